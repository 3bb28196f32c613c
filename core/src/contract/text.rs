//! The contract's wording in French and English, as a list of blocks the layout sets on pages.
//! Every legal sentence lives here, beside its translation, so a lawyer reviews one file.

use chrono::{Datelike, NaiveDate, NaiveTime};

use super::money::{self, Totals};
use super::{ContractError, ContractInput, Cost, Deal, Lang, Licence, Party, PaymentMethod};

/// What the layout knows how to set. Strings are raw user-and-template text; the layout makes
/// them printable and wraps them.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Block {
    /// Centered, large, bold.
    Title(String),
    /// Centered, regular.
    Subtitle(String),
    /// An article heading, kept with the lines that follow it.
    Heading(String),
    /// A bold line inside an article, e.g. the name of a party.
    Strong(String),
    /// Body text; `\n` starts a new paragraph.
    Para(String),
    /// An indented line with a dash, wrapped with a hanging indent.
    Item(String),
    /// A label and an amount aligned in a column; bold for the total.
    Row { label: String, value: String, bold: bool },
    /// Vertical space in points.
    Gap(f32),
    /// Where and when the contract is made, then the two signature columns, kept together on
    /// one page.
    Signatures { made: String, columns: [Vec<String>; 2] },
}

/// Printed where a value is missing, for the parties to fill in by hand.
pub(super) const BLANK: &str = "______________________";

fn pick(lang: Lang, fr: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

/// "label : value" (French typography puts a no-break space before the colon) or a blank.
fn field(lang: Lang, label: &str, value: Option<&str>) -> String {
    let value = value.map(str::trim).filter(|v| !v.is_empty()).unwrap_or(BLANK);
    match lang {
        Lang::Fr => format!("{label}\u{a0}: {value}"),
        Lang::En => format!("{label}: {value}"),
    }
}

/// "samedi 14 mars 2026" / "Saturday 14 March 2026".
pub(super) fn long_date(date: NaiveDate, lang: Lang) -> String {
    const MOIS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const JOURS: [&str; 7] =
        ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
    let weekday = date.weekday().num_days_from_monday() as usize;
    let month = date.month0() as usize;
    match lang {
        Lang::Fr => {
            let day = if date.day() == 1 { "1er".to_owned() } else { date.day().to_string() };
            let (jour, mois) = (JOURS.get(weekday).copied(), MOIS.get(month).copied());
            format!("{} {day} {} {}", jour.unwrap_or(""), mois.unwrap_or(""), date.year())
        }
        Lang::En => date.format("%A %-d %B %Y").to_string(),
    }
}

/// "20h45" / "20:45".
fn clock(time: Option<NaiveTime>, lang: Lang) -> Option<String> {
    time.map(|t| match lang {
        Lang::Fr => t.format("%Hh%M").to_string(),
        Lang::En => t.format("%H:%M").to_string(),
    })
}

/// Numbers articles as they are added, so optional articles never leave a gap.
struct Articles {
    lang: Lang,
    next: u32,
    blocks: Vec<Block>,
}

impl Articles {
    fn heading(&mut self, title: &str) {
        let n = self.next;
        self.next += 1;
        self.blocks.push(Block::Heading(match self.lang {
            Lang::Fr => format!("Article {n} \u{2013} {title}"),
            Lang::En => format!("Article {n} \u{2013} {title}"),
        }));
    }
    fn para(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Para(text.into()));
    }
    fn item(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Item(text.into()));
    }
    fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }
}

/// The whole contract, in reading order.
pub(super) fn contract(input: &ContractInput) -> Result<Vec<Block>, ContractError> {
    let lang = input.lang;
    let coproduction = input.deal.is_coproduction();
    let mut a = Articles { lang, next: 1, blocks: Vec::with_capacity(128) };

    a.push(Block::Title(title(lang, coproduction).to_owned()));
    a.push(Block::Subtitle(match lang {
        Lang::Fr => format!("Réf. {}", input.reference.trim()),
        Lang::En => format!("Ref. {}", input.reference.trim()),
    }));
    a.push(Block::Gap(10.0));

    parties(&mut a, input);
    subject(&mut a, input);
    show(&mut a, input);
    performance(&mut a, input);
    producer_duties(&mut a);
    organiser_duties(&mut a);
    money_terms(&mut a, input)?;
    ticketing(&mut a, input);
    promotion(&mut a, input);
    insurance(&mut a);
    cancellation(&mut a, input);
    if let Some(notes) = input.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        a.heading(pick(lang, "Conditions particulières", "Special conditions"));
        a.para(notes);
    }
    annexes(&mut a, input);
    disputes(&mut a, input);
    signatures(&mut a, input);
    annex_texts(&mut a, input);
    Ok(a.blocks)
}

/// The document's title, also its PDF title.
pub(super) fn title(lang: Lang, coproduction: bool) -> &'static str {
    match (lang, coproduction) {
        (Lang::Fr, false) => "CONTRAT DE CESSION DU DROIT D'EXPLOITATION D'UN SPECTACLE",
        (Lang::Fr, true) => "CONTRAT DE CORÉALISATION D'UN SPECTACLE",
        (Lang::En, false) => "PERFORMANCE AGREEMENT",
        (Lang::En, true) => "PERFORMANCE AGREEMENT (CO-PRODUCTION, SHARE OF RECEIPTS)",
    }
}

fn parties(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    a.para(
        pick(lang, "ENTRE LES SOUSSIGNÉS :", "BETWEEN THE UNDERSIGNED:").replace(" :", "\u{a0}:"),
    );
    party(a, &input.producer, pick(lang, "le Producteur", "the Producer"));
    a.para(pick(lang, "d'une part,", "of the one part,"));
    a.para(pick(lang, "ET", "AND"));
    party(a, &input.organiser, pick(lang, "l'Organisateur", "the Organiser"));
    a.para(pick(lang, "d'autre part.", "of the other part."));
    a.push(Block::Gap(4.0));
    a.para(pick(lang, "Il a été convenu ce qui suit.", "The parties have agreed as follows."));
}

fn party(a: &mut Articles, p: &Party, role: &str) {
    let lang = a.lang;
    a.push(Block::Gap(4.0));
    a.push(Block::Strong(p.legal_name.trim().to_owned()));
    a.item(field(lang, pick(lang, "Forme juridique", "Legal form"), p.legal_form.as_deref()));
    a.item(field(lang, pick(lang, "Siège social", "Head office"), p.address.as_deref()));
    a.item(field(lang, "SIRET", p.siret.as_deref()));
    a.item(field(lang, pick(lang, "Code APE", "APE code"), p.ape.as_deref()));
    a.item(field(
        lang,
        pick(lang, "N° de TVA intracommunautaire", "EU VAT number"),
        p.vat_number.as_deref(),
    ));
    a.item(match &p.licence {
        Licence::Held { number, category } => {
            let label = pick(lang, "Licence d'entrepreneur de spectacles", "Live-show licence");
            let cat = category.as_deref().map(str::trim).filter(|c| !c.is_empty()).unwrap_or("____");
            match lang {
                Lang::Fr => format!("{label}\u{a0}: n°\u{a0}{}, catégorie {cat}", number.trim()),
                Lang::En => format!("{label}: no. {}, category {cat}", number.trim()),
            }
        }
        Licence::Unknown => match lang {
            Lang::Fr => format!("Licence d'entrepreneur de spectacles\u{a0}: n°\u{a0}{BLANK}, catégorie ____"),
            Lang::En => format!("Live-show licence: no. {BLANK}, category ____"),
        },
        Licence::OccasionalExempt => pick(
            lang,
            "Licence d'entrepreneur de spectacles\u{a0}: non requise. Cette partie organise moins de six \
             représentations par an en dehors de son activité principale et est à ce titre dispensée \
             de licence.",
            "Live-show licence (\"licence d'entrepreneur de spectacles\"): not required. This party \
             gives fewer than six shows a year outside its main activity and is therefore exempt.",
        )
        .to_owned(),
    });
    let signatory = match (p.signatory_name.as_deref(), p.signatory_role.as_deref()) {
        (None, None) => None,
        (name, role) => Some(format!(
            "{}, {}",
            name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(BLANK),
            role.map(str::trim).filter(|r| !r.is_empty()).unwrap_or(BLANK)
        )),
    };
    a.item(field(lang, pick(lang, "Représenté(e) par", "Represented by"), signatory.as_deref()));
    a.para(match lang {
        Lang::Fr => format!("ci-après dénommé(e) «\u{a0}{role}\u{a0}»,"),
        Lang::En => format!("hereinafter \u{201c}{role}\u{201d},"),
    });
}

fn subject(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    a.heading(pick(lang, "Objet", "Purpose"));
    a.para(if input.deal.is_coproduction() {
        pick(
            lang,
            "Le présent contrat fixe les conditions dans lesquelles le Producteur et l'Organisateur \
             coréalisent le spectacle désigné ci-après : le Producteur apporte le spectacle, \
             l'Organisateur le lieu et son exploitation, et les recettes de billetterie sont \
             partagées selon l'article «\u{a0}Conditions financières\u{a0}».",
            "This agreement sets the terms on which the Producer and the Organiser co-produce the \
             show described below: the Producer brings the show, the Organiser the venue and its \
             operation, and the ticket receipts are shared as set out under \"Financial terms\".",
        )
    } else {
        pick(
            lang,
            "Par le présent contrat, le Producteur cède à l'Organisateur le droit d'exploiter le \
             spectacle désigné ci-après, pour le nombre de représentations, aux lieu et date \
             indiqués, moyennant le prix fixé à l'article «\u{a0}Conditions financières\u{a0}».",
            "By this agreement the Producer grants the Organiser the right to present the show \
             described below, for the number of performances and at the place and date stated, \
             for the price set out under \"Financial terms\".",
        )
    }
    .replace(" :", "\u{a0}:"));
}

fn show(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    let s = &input.show;
    a.heading(pick(lang, "Le spectacle", "The show"));
    let title = s.title.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let title = match (title, lang) {
        (Some(t), Lang::Fr) => format!("«\u{a0}{t}\u{a0}»"),
        (Some(t), Lang::En) => format!("\u{201c}{t}\u{201d}"),
        (None, Lang::Fr) => format!("concert de {}", s.artist_name.trim()),
        (None, Lang::En) => format!("concert by {}", s.artist_name.trim()),
    };
    a.item(field(lang, pick(lang, "Titre", "Title"), Some(&title)));
    a.item(field(lang, pick(lang, "Artiste", "Artist"), Some(&s.artist_name)));
    let team = s.lineup.map(|l| match lang {
        Lang::Fr => format!(
            "{} artiste{} et {} technicien{}, soit {}\u{a0}personne{} en tournée",
            l.performers(),
            plural(l.performers().into()),
            l.crew(),
            plural(l.crew().into()),
            l.people(),
            plural(l.people().into()),
        ),
        Lang::En => format!(
            "{} performer{} and {} crew member{}, {} people on the road",
            l.performers(),
            plural(l.performers().into()),
            l.crew(),
            plural(l.crew().into()),
            l.people()
        ),
    });
    a.item(field(lang, pick(lang, "Équipe", "Company"), team.as_deref()));
    if let Some(description) = s.description.as_deref().filter(|d| !d.trim().is_empty()) {
        a.para(description);
    }
    a.para(pick(
        lang,
        "Le Producteur déclare détenir les droits de représentation de ce spectacle ainsi que les \
         autorisations des auteurs et ayants droit nécessaires à son exploitation.",
        "The Producer declares that it holds the performance rights to this show and the \
         authorisations of the authors and rights holders needed to present it.",
    ));
}

fn plural(n: u32) -> &'static str {
    if n > 1 { "s" } else { "" }
}

fn performance(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    let p = &input.performance;
    let t = &p.times;
    a.heading(pick(lang, "Lieu, date et horaires", "Venue, date and times"));
    let place = match p.venue_address.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(address) => format!("{}, {address}", p.venue_name.trim()),
        None => format!("{}, {}", p.venue_name.trim(), p.city.trim()),
    };
    a.item(field(lang, pick(lang, "Lieu", "Venue"), Some(&place)));
    a.item(field(lang, "Date", Some(&long_date(p.date, lang))));
    a.item(field(
        lang,
        pick(lang, "Nombre de représentations", "Number of performances"),
        Some(&p.shows.to_string()),
    ));
    let rows = [
        (pick(lang, "Arrivée et installation", "Arrival and load-in"), t.load_in),
        (pick(lang, "Balances", "Soundcheck"), t.soundcheck),
        (pick(lang, "Repas", "Meal"), t.meal),
        (pick(lang, "Ouverture des portes", "Doors"), t.doors),
        (pick(lang, "Début du spectacle", "Show starts"), t.set_start),
        (pick(lang, "Fin du spectacle", "Show ends"), t.set_end),
        (pick(lang, "Fin d'exploitation du lieu (couvre-feu)", "Curfew"), t.curfew),
    ];
    for (label, time) in rows {
        a.item(field(lang, label, clock(time, lang).as_deref()));
    }
    a.item(match lang {
        Lang::Fr => format!("Durée du spectacle\u{a0}: {}\u{a0}minutes", p.set_minutes),
        Lang::En => format!("Set length: {} minutes", p.set_minutes),
    });
}

fn producer_duties(a: &mut Articles) {
    let lang = a.lang;
    a.heading(pick(lang, "Obligations du Producteur", "The Producer's obligations"));
    a.para(pick(
        lang,
        "Le Producteur fournit le spectacle entièrement monté et prêt à être représenté, et en \
         assume la responsabilité artistique. Il a la qualité d'employeur des artistes et \
         techniciens attachés au spectacle : il leur verse leur rémunération et acquitte les \
         cotisations sociales et taxes afférentes. Il fournit à l'Organisateur, en temps utile, \
         le matériel promotionnel (photos, textes de présentation, logos) et la fiche technique.",
        "The Producer delivers the show fully prepared and ready to perform, and bears artistic \
         responsibility for it. It is the employer of the performers and crew attached to the \
         show: it pays their wages and the related social contributions and taxes. It supplies \
         the Organiser in good time with promotional material (photos, texts, logos) and the \
         technical rider.",
    )
    .replace(" :", "\u{a0}:"));
}

fn organiser_duties(a: &mut Articles) {
    let lang = a.lang;
    a.heading(pick(lang, "Obligations de l'Organisateur", "The Organiser's obligations"));
    a.para(pick(
        lang,
        "L'Organisateur fournit le lieu de représentation en ordre de marche, avec l'équipement \
         technique et le personnel décrits dans la fiche technique annexée. Il obtient les \
         autorisations nécessaires, assure la billetterie, l'accueil et la sécurité du public. Il \
         déclare le programme à la SACEM (ou à la SACD) et acquitte les droits d'auteur. S'il \
         emploie lui-même des artistes ou techniciens sans que le spectacle soit son activité \
         principale, il les déclare et les rémunère par l'intermédiaire du GUSO.",
        "The Organiser provides the venue in working order, with the technical equipment and \
         staff described in the annexed technical rider. It obtains the necessary permits and \
         runs ticketing, front of house and audience safety. It declares the set list to SACEM \
         (or SACD) and pays the authors' rights. If it employs performers or technicians itself \
         while shows are not its main activity, it declares and pays them through GUSO.",
    ));
}

fn money_terms(a: &mut Articles, input: &ContractInput) -> Result<(), ContractError> {
    let lang = a.lang;
    let vat_bp = input.vat_rate_bp();
    let vat = money::percent(vat_bp, lang);
    a.heading(pick(lang, "Conditions financières", "Financial terms"));
    let net = pick(
        lang,
        "Les recettes nettes s'entendent des recettes de billetterie hors TVA, déduction faite des \
         droits d'auteur (SACEM ou SACD) et de la taxe sur les spectacles (CNM).",
        "Net receipts means ticket receipts excluding VAT, less authors' rights (SACEM or SACD) \
         and the French live-show tax (CNM).",
    );
    let costs_ht = input.costs.map_or(0, |c| c.paid_ht());
    let fixed = input.deal.fixed_cents();
    // The fixed part's rows (if any), then the costs paid on top, then VAT and the total.
    let (fixed_label, share_text) = match input.deal {
        Deal::FlatFee { .. } => {
            a.para(pick(
                lang,
                "En contrepartie de la cession du droit d'exploitation, l'Organisateur verse au \
                 Producteur le prix suivant\u{a0}:",
                "In return for the right to present the show, the Organiser pays the Producer the \
                 following price:",
            ));
            (Some(pick(lang, "Prix de cession HT", "Fee excluding VAT")), None)
        }
        Deal::GuaranteePlus { percent_bp, .. } => {
            let pct = money::percent(percent_bp, lang);
            a.para(match lang {
                Lang::Fr => format!(
                    "En contrepartie de la cession du droit d'exploitation, l'Organisateur verse au \
                     Producteur un prix fixe, augmenté de {pct} des recettes nettes de billetterie. \
                     {net} La part variable est établie sur le bordereau de billetterie et majorée \
                     de la TVA au même taux."
                ),
                Lang::En => format!(
                    "In return for the right to present the show, the Organiser pays the Producer a \
                     fixed price plus {pct} of the net ticket receipts. {net} The variable part is \
                     computed from the box-office statement and bears VAT at the same rate."
                ),
            });
            (Some(pick(lang, "Prix fixe HT", "Fixed price excluding VAT")), Some(pct))
        }
        Deal::GuaranteeVersus { percent_bp, .. } => {
            let pct = money::percent(percent_bp, lang);
            let rest = money::percent(money::WHOLE_BP.saturating_sub(percent_bp), lang);
            a.para(match lang {
                Lang::Fr => format!(
                    "Les recettes nettes de billetterie sont partagées entre les parties\u{a0}: \
                     {pct} pour le Producteur et {rest} pour l'Organisateur, avec un minimum \
                     garanti au Producteur\u{a0}: si sa part est inférieure au minimum garanti, \
                     l'Organisateur lui verse le minimum garanti. {net}"
                ),
                Lang::En => format!(
                    "The net ticket receipts are shared between the parties: {pct} to the \
                     Producer and {rest} to the Organiser, with a minimum guarantee to the \
                     Producer: if its share is less than the guarantee, the Organiser pays the \
                     guarantee instead. {net}"
                ),
            });
            (Some(pick(lang, "Minimum garanti HT", "Guarantee excluding VAT")), Some(pct))
        }
        Deal::DoorDeal { percent_bp } => {
            let pct = money::percent(percent_bp, lang);
            let rest = money::percent(money::WHOLE_BP.saturating_sub(percent_bp), lang);
            a.para(match lang {
                Lang::Fr => format!(
                    "Les recettes nettes de billetterie sont partagées entre les parties\u{a0}: \
                     {pct} pour le Producteur et {rest} pour l'Organisateur, sans minimum \
                     garanti. {net} Chaque part est majorée de la TVA au taux de {vat}."
                ),
                Lang::En => format!(
                    "The net ticket receipts are shared between the parties: {pct} to the \
                     Producer and {rest} to the Organiser, with no minimum guarantee. {net} Each \
                     share bears VAT at {vat}."
                ),
            });
            (None, Some(pct))
        }
    };
    let overflow = || ContractError::Amount { field: "deal", cents: fixed };
    let ht = fixed.checked_add(costs_ht).ok_or_else(overflow)?;
    let totals = Totals::of(ht, vat_bp).ok_or_else(overflow)?;
    let row = |label: &str, cents: i64, bold: bool| Block::Row {
        label: label.to_owned(),
        value: money::amount(cents, lang),
        bold,
    };
    if let Some(label) = fixed_label {
        a.push(row(label, fixed, false));
    }
    if costs_ht > 0 {
        a.push(row(
            pick(lang, "Frais pris en charge HT", "Costs paid excluding VAT"),
            costs_ht,
            false,
        ));
        if fixed_label.is_some() {
            a.push(row(pick(lang, "Total HT", "Total excluding VAT"), ht, false));
        }
    }
    if ht > 0 {
        let tva = match lang {
            Lang::Fr => format!("TVA ({vat})"),
            Lang::En => format!("VAT ({vat})"),
        };
        a.push(row(&tva, totals.vat, false));
        let total = match (lang, share_text.is_some()) {
            (Lang::Fr, false) => "Total TTC",
            (Lang::Fr, true) => "Total TTC, hors part des recettes",
            (Lang::En, false) => "Total including VAT",
            (Lang::En, true) => "Total including VAT, before the share of receipts",
        };
        a.push(row(total, totals.ttc, true));
    }
    vat_rule(a, input);
    costs(a, input);
    payment(a, input, &totals)?;
    vigilance(a, input);
    Ok(())
}

/// The VAT rate and why: drinks served or not, or a producer outside VAT.
fn vat_rule(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    let rate = money::percent(input.vat_rate_bp(), lang);
    let text = match (input.producer_charges_vat, input.drinks_served) {
        (false, _) => pick(
            lang,
            "Le Producteur n'étant pas assujetti à la TVA, les montants ci-dessus s'entendent nets \
             de taxe.",
            "As the Producer is not registered for VAT, the amounts above are net of tax.",
        )
        .to_owned(),
        (true, Some(true)) => match lang {
            Lang::Fr => format!(
                "Des consommations étant servies pendant le spectacle, le taux normal de TVA de \
                 {rate} s'applique."
            ),
            Lang::En => format!(
                "As drinks are served during the show, the standard VAT rate of {rate} applies."
            ),
        },
        (true, Some(false)) => match lang {
            Lang::Fr => format!(
                "Aucune consommation n'étant servie pendant le spectacle, le taux réduit de TVA de \
                 {rate} s'applique à la vente du spectacle, frais de transport et d'hébergement \
                 compris."
            ),
            Lang::En => format!(
                "As no drinks are served during the show, the reduced VAT rate of {rate} applies to \
                 the sale of the show, travel and lodging included."
            ),
        },
        (true, None) => pick(
            lang,
            "Le taux réduit de TVA de 5,5\u{a0}% s'applique à la vente d'un spectacle, frais de \
             transport et d'hébergement compris ; le taux normal s'applique si des consommations \
             sont servies pendant le spectacle.",
            "The reduced VAT rate of 5.5% applies to the sale of a show, travel and lodging \
             included; the standard rate applies if drinks are served during the show.",
        )
        .replace(" ;", "\u{a0};"),
    };
    a.para(text);
}

/// "pour 5 personnes" / "for 5 people".
fn for_people(n: u16, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("pour {n}\u{a0}personne{}", plural(n.into())),
        Lang::En if n == 1 => "for 1 person".to_owned(),
        Lang::En => format!("for {n} people"),
    }
}

fn cost_text(cost: Cost, lang: Lang) -> String {
    match cost {
        Cost::Included => pick(
            lang,
            "à la charge du Producteur, inclus dans le prix",
            "borne by the Producer, included in the price",
        )
        .to_owned(),
        Cost::Provided { people } => match lang {
            Lang::Fr => format!("fourni par l'Organisateur {}", for_people(people, lang)),
            Lang::En => format!("provided by the Organiser {}", for_people(people, lang)),
        },
        Cost::Paid { amount_ht, people } => match lang {
            Lang::Fr => format!(
                "payé par l'Organisateur en sus du prix\u{a0}: {} HT {}",
                money::amount(amount_ht.get(), lang),
                for_people(people, lang)
            ),
            Lang::En => format!(
                "paid by the Organiser on top of the price: {} excluding VAT {}",
                money::amount(amount_ht.get(), lang),
                for_people(people, lang)
            ),
        },
    }
}

fn costs(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    a.para(pick(lang, "Frais annexes\u{a0}:", "Costs:"));
    let (travel, lodging, meals) = match input.costs {
        Some(c) => (
            Some(cost_text(c.travel, lang)),
            Some(cost_text(c.lodging, lang)),
            Some(cost_text(c.meals, lang)),
        ),
        None => (None, None, None),
    };
    a.item(field(lang, pick(lang, "Transport", "Travel"), travel.as_deref()));
    a.item(field(lang, pick(lang, "Hébergement", "Lodging"), lodging.as_deref()));
    a.item(field(lang, pick(lang, "Repas", "Meals"), meals.as_deref()));
}

fn method(m: PaymentMethod, lang: Lang) -> &'static str {
    match m {
        PaymentMethod::BankTransfer => pick(lang, "par virement bancaire", "by bank transfer"),
        PaymentMethod::Cheque => pick(lang, "par chèque", "by cheque"),
        PaymentMethod::Cash => pick(lang, "en espèces", "in cash"),
    }
}

/// Deposit and balance, with their dates and methods; amounts include VAT.
fn payment(a: &mut Articles, input: &ContractInput, totals: &Totals) -> Result<(), ContractError> {
    let lang = a.lang;
    let Some(p) = input.payment else {
        a.item(field(lang, pick(lang, "Acompte", "Deposit"), None));
        a.item(field(
            lang,
            pick(lang, "Solde, date et mode de paiement", "Balance, date and method"),
            None,
        ));
        return Ok(());
    };
    let vat_bp = input.vat_rate_bp();
    let deposit_ttc = match p.deposit {
        Some(d) => {
            let t = Totals::of(d.amount_ht.get(), vat_bp).ok_or(ContractError::Amount {
                field: "payment.deposit",
                cents: d.amount_ht.get(),
            })?;
            let when = long_date(d.due, lang);
            a.item(match lang {
                Lang::Fr => format!(
                    "Acompte\u{a0}: {} HT, soit {} TTC, payé {} au plus tard le {when}.",
                    money::amount(t.ht, lang),
                    money::amount(t.ttc, lang),
                    method(d.method, lang)
                ),
                Lang::En => format!(
                    "Deposit: {} excluding VAT, {} including VAT, paid {} by {when} at the latest.",
                    money::amount(t.ht, lang),
                    money::amount(t.ttc, lang),
                    method(d.method, lang)
                ),
            });
            t.ttc
        }
        None => {
            a.item(pick(lang, "Acompte\u{a0}: aucun.", "Deposit: none."));
            0
        }
    };
    let when = long_date(p.balance_due, lang);
    let how = method(p.balance_method, lang);
    let balance = totals.ttc.saturating_sub(deposit_ttc).max(0);
    let share = !matches!(input.deal, Deal::FlatFee { .. });
    a.item(match (lang, totals.ttc > 0, share) {
        (Lang::Fr, true, false) => format!(
            "Solde\u{a0}: {} TTC, payé {how} au plus tard le {when}, sur facture du Producteur.",
            money::amount(balance, lang)
        ),
        (Lang::Fr, true, true) => format!(
            "Solde\u{a0}: {} TTC, augmenté ou remplacé par la part des recettes établie sur le \
             bordereau de billetterie, payé {how} au plus tard le {when}, sur facture du Producteur.",
            money::amount(balance, lang)
        ),
        (Lang::Fr, false, _) => format!(
            "Solde\u{a0}: la part des recettes établie sur le bordereau de billetterie, payée {how} \
             au plus tard le {when}, sur facture du Producteur."
        ),
        (Lang::En, true, false) => format!(
            "Balance: {} including VAT, paid {how} by {when} at the latest, on the Producer's \
             invoice.",
            money::amount(balance, lang)
        ),
        (Lang::En, true, true) => format!(
            "Balance: {} including VAT, increased or replaced by the share of receipts computed \
             from the box-office statement, paid {how} by {when} at the latest, on the Producer's \
             invoice.",
            money::amount(balance, lang)
        ),
        (Lang::En, false, _) => format!(
            "Balance: the share of receipts computed from the box-office statement, paid {how} by \
             {when} at the latest, on the Producer's invoice."
        ),
    });
    Ok(())
}

/// Amount excluding VAT from which the organiser must check the producer's URSSAF standing.
pub(super) const VIGILANCE_THRESHOLD_CENTS: i64 = 500_000;

fn vigilance(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    if input.fixed_total_cents() >= VIGILANCE_THRESHOLD_CENTS {
        a.para(pick(
            lang,
            "Le montant du présent contrat atteignant 5\u{a0}000\u{a0}€ HT, l'Organisateur se fait \
             remettre par le Producteur, à la signature puis tous les six mois jusqu'à la fin de son \
             exécution, l'attestation de vigilance délivrée par l'URSSAF (article L.\u{a0}8222-1 du \
             Code du travail).",
            "As this agreement reaches €5,000 excluding VAT, the Organiser obtains from the Producer, \
             at signature and every six months until it is fully performed, the vigilance \
             certificate (\"attestation de vigilance\") issued by URSSAF (French Labour Code, \
             article L. 8222-1).",
        ));
    } else if !matches!(input.deal, Deal::FlatFee { .. }) {
        // A share of receipts can cross the threshold after the show: say what happens then.
        a.para(pick(
            lang,
            "Si les sommes dues au Producteur atteignent 5\u{a0}000\u{a0}€ HT, l'Organisateur se \
             fait remettre l'attestation de vigilance délivrée par l'URSSAF (article L.\u{a0}8222-1 \
             du Code du travail).",
            "If the sums due to the Producer reach €5,000 excluding VAT, the Organiser obtains the \
             vigilance certificate issued by URSSAF (French Labour Code, article L. 8222-1).",
        ));
    }
}

fn ticketing(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    let t = &input.ticketing;
    a.heading(pick(lang, "Billetterie", "Ticketing"));
    let price = t.price_cents.map(|p| match (p, lang) {
        (0, Lang::Fr) => "entrée libre".to_owned(),
        (0, Lang::En) => "free entry".to_owned(),
        (p, Lang::Fr) => format!("{} TTC (plein tarif)", money::amount(p, lang)),
        (p, Lang::En) => format!("{} including VAT (full price)", money::amount(p, lang)),
    });
    a.item(field(lang, pick(lang, "Prix des places", "Ticket price"), price.as_deref()));
    if t.price_cents.is_some_and(|p| p > 0) {
        let reduced = match (t.reduced_price_cents, lang) {
            (Some(r), Lang::Fr) => format!("{} TTC", money::amount(r, lang)),
            (Some(r), Lang::En) => format!("{} including VAT", money::amount(r, lang)),
            (None, _) => pick(lang, "aucun", "none").to_owned(),
        };
        a.item(field(lang, pick(lang, "Tarif réduit", "Reduced price"), Some(&reduced)));
    }
    let capacity = t.capacity.map(|c| match lang {
        Lang::Fr => format!("{c} places"),
        Lang::En => format!("{c} people"),
    });
    a.item(field(lang, pick(lang, "Jauge", "Capacity"), capacity.as_deref()));
    let guests = t.guest_list.map(|g| g.to_string());
    a.item(field(
        lang,
        pick(lang, "Invitations réservées au Producteur", "Producer's guest list"),
        guests.as_deref(),
    ));
    a.para(if input.deal.is_coproduction() || matches!(input.deal, Deal::GuaranteePlus { .. }) {
        pick(
            lang,
            "L'Organisateur tient la billetterie et remet au Producteur, à l'issue de la \
             représentation, un bordereau détaillé des recettes, sur lequel est établie la part \
             revenant à chaque partie.",
            "The Organiser runs the box office and gives the Producer, after the performance, a \
             detailed statement of receipts from which each party's share is computed.",
        )
    } else {
        pick(
            lang,
            "L'Organisateur tient la billetterie et en conserve les recettes.",
            "The Organiser runs the box office and keeps the receipts.",
        )
    });
}

fn promotion(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    a.heading(pick(lang, "Promotion", "Promotion"));
    a.para(pick(
        lang,
        "L'Organisateur assure la promotion du spectacle. Il respecte la présentation de \
         l'artiste fournie par le Producteur et fait figurer les numéros de licence des parties \
         sur les billets et supports publicitaires. Le Producteur autorise l'utilisation du nom et \
         de l'image de l'artiste pour la seule promotion de la représentation.",
        "The Organiser promotes the show. It follows the billing supplied by the Producer and \
         prints the parties' licence numbers on tickets and publicity. The Producer authorises the \
         use of the artist's name and image solely to promote the performance.",
    ));
    a.para(if input.recording_allowed {
        pick(
            lang,
            "L'enregistrement de courts extraits est autorisé pour la promotion non commerciale de \
             la représentation ; toute autre captation requiert l'accord écrit du Producteur.",
            "Recording short excerpts is allowed for the non-commercial promotion of the \
             performance; any other recording needs the Producer's written consent.",
        )
        .replace(" ;", "\u{a0};")
    } else {
        pick(
            lang,
            "Tout enregistrement, captation ou diffusion, sonore ou audiovisuel, est interdit sans \
             l'accord écrit du Producteur.",
            "Any sound or video recording or broadcast is forbidden without the Producer's written \
             consent.",
        )
        .to_owned()
    });
}

fn insurance(a: &mut Articles) {
    let lang = a.lang;
    a.heading(pick(lang, "Assurances", "Insurance"));
    a.para(
        pick(
            lang,
            "Chaque partie assure sa responsabilité civile pour les dommages qu'elle-même, son \
         personnel ou son matériel pourraient causer. Le Producteur assure son matériel ; \
         l'Organisateur assure le lieu, ses équipements et le public. Une assurance annulation \
         reste à la charge de la partie qui souhaite la souscrire.",
            "Each party insures its civil liability for damage caused by itself, its staff or its \
         equipment. The Producer insures its equipment; the Organiser insures the venue, its \
         equipment and the audience. Cancellation insurance is for whichever party wishes to take \
         it out.",
        )
        .replace(" ;", "\u{a0};"),
    );
}

fn cancellation(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    a.heading(pick(lang, "Annulation", "Cancellation"));
    a.para(pick(
        lang,
        "Le présent contrat est suspendu ou résilié de plein droit, sans indemnité, en cas de force \
         majeure dûment constatée. Les intempéries ne constituent pas un cas de force majeure.",
        "This agreement is suspended or terminated without compensation in case of duly \
         established force majeure. Bad weather is not force majeure.",
    ));
    a.para(match input.cancellation_forfeit_cents.filter(|&f| f > 0) {
        Some(f) => match lang {
            Lang::Fr => format!(
                "Hors force majeure, la partie qui annule verse à l'autre un dédit forfaitaire de {}.",
                money::amount(f, lang)
            ),
            Lang::En => format!(
                "Save for force majeure, the cancelling party pays the other a fixed forfeit of {}.",
                money::amount(f, lang)
            ),
        },
        None => pick(
            lang,
            "Hors force majeure, la partie qui annule rembourse à l'autre les frais que celle-ci a \
             effectivement engagés, sur justificatifs.",
            "Save for force majeure, the cancelling party repays the other the costs it actually \
             incurred, on proof.",
        )
        .to_owned(),
    });
    if let Some(fallback) = input.outdoor_fallback.as_deref().filter(|f| !f.trim().is_empty()) {
        a.para(match lang {
            Lang::Fr => format!(
                "Le spectacle étant donné en plein air, la solution de repli suivante est retenue \
                 en cas d'intempéries\u{a0}: {}",
                fallback.trim()
            ),
            Lang::En => format!(
                "As the show takes place outdoors, the following fallback applies in bad weather: {}",
                fallback.trim()
            ),
        });
    }
}

fn annexes(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    a.heading(pick(lang, "Annexes", "Annexes"));
    a.para(pick(
        lang,
        "Les annexes suivantes font partie intégrante du présent contrat\u{a0}:",
        "The following annexes form part of this agreement:",
    ));
    a.item(pick(
        lang,
        "Annexe 1\u{a0}: fiche technique du spectacle (besoins du Producteur)",
        "Annex 1: the show's technical rider (the Producer's needs)",
    ));
    a.item(pick(
        lang,
        "Annexe 2\u{a0}: équipement scénique et backline du lieu (fournis par l'Organisateur)",
        "Annex 2: the venue's stage and backline (provided by the Organiser)",
    ));
    if input.fixed_total_cents() >= VIGILANCE_THRESHOLD_CENTS {
        a.item(pick(
            lang,
            "attestation de vigilance URSSAF du Producteur, remise à la signature",
            "the Producer's URSSAF vigilance certificate, handed over at signature",
        ));
    }
}

/// The annexes' contents, after the signatures.
fn annex_texts(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    let texts = [
        (
            pick(
                lang,
                "Annexe 1 \u{2013} Fiche technique du spectacle",
                "Annex 1 \u{2013} Technical rider",
            ),
            input.annexes.technical_needs.as_deref(),
        ),
        (
            pick(
                lang,
                "Annexe 2 \u{2013} Équipement scénique et backline du lieu",
                "Annex 2 \u{2013} The venue's stage and backline",
            ),
            input.annexes.stage_notes.as_deref(),
        ),
    ];
    for (title, text) in texts {
        a.push(Block::Gap(12.0));
        a.push(Block::Strong(title.to_owned()));
        a.para(text.map(str::trim).filter(|t| !t.is_empty()).unwrap_or(BLANK));
    }
}

fn disputes(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    a.heading(pick(lang, "Litiges", "Disputes"));
    let court =
        input.court_city.as_deref().map(str::trim).filter(|c| !c.is_empty()).unwrap_or(BLANK);
    a.para(match lang {
        Lang::Fr => format!(
            "Le présent contrat est soumis au droit français. En cas de litige, les parties \
             recherchent d'abord une solution amiable ; à défaut, compétence est attribuée aux \
             tribunaux de {court}."
        )
        .replace(" ;", "\u{a0};"),
        Lang::En => format!(
            "This agreement is governed by French law. In case of dispute the parties first seek an \
             amicable settlement; failing that, the courts of {court} have jurisdiction."
        ),
    });
}

fn signatures(a: &mut Articles, input: &ContractInput) {
    let lang = a.lang;
    let column = |role: &str, p: &Party| {
        let or_blank = |v: Option<&str>| {
            v.map(str::trim).filter(|v| !v.is_empty()).unwrap_or(BLANK).to_owned()
        };
        vec![
            role.to_owned(),
            p.legal_name.trim().to_owned(),
            or_blank(p.signatory_name.as_deref()),
            or_blank(p.signatory_role.as_deref()),
            pick(lang, "« Lu et approuvé »", "\u{201c}Read and approved\u{201d}")
                .replace("« ", "«\u{a0}")
                .replace(" »", "\u{a0}»"),
            pick(lang, "Signature :", "Signature:").replace(" :", "\u{a0}:"),
        ]
    };
    let place = input.made_at.trim();
    let made = match lang {
        Lang::Fr => format!(
            "Fait à {place}, le {}, en deux exemplaires originaux.",
            long_date(input.made_on, lang)
        ),
        Lang::En => format!(
            "Made at {place} on {}, in two original copies.",
            long_date(input.made_on, lang)
        ),
    };
    a.push(Block::Signatures {
        made,
        columns: [
            column(pick(lang, "Pour le Producteur", "For the Producer"), &input.producer),
            column(pick(lang, "Pour l'Organisateur", "For the Organiser"), &input.organiser),
        ],
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 14).unwrap();
        assert_eq!(long_date(d, Lang::Fr), "samedi 14 mars 2026");
        assert_eq!(long_date(d, Lang::En), "Saturday 14 March 2026");
        let first = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
        assert_eq!(long_date(first, Lang::Fr), "samedi 1er août 2026");
    }

    #[test]
    fn missing_fields_print_blanks() {
        assert_eq!(field(Lang::Fr, "SIRET", None), format!("SIRET\u{a0}: {BLANK}"));
        assert_eq!(field(Lang::En, "SIRET", Some("  ")), format!("SIRET: {BLANK}"));
        assert_eq!(field(Lang::En, "SIRET", Some("123")), "SIRET: 123");
    }

    #[test]
    fn articles_are_numbered_without_gaps() {
        let mut input = ContractInput::sample();
        input.notes = Some("Catering végétarien.".into());
        let blocks = contract(&input).unwrap();
        let numbers: Vec<u32> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading(h) => h.split_whitespace().nth(1).and_then(|n| n.parse().ok()),
                _ => None,
            })
            .collect();
        assert_eq!(numbers, (1..=u32::try_from(numbers.len()).unwrap()).collect::<Vec<_>>());
        assert!(numbers.len() >= 12, "{numbers:?}");
    }
}
