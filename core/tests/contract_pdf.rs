//! Reads rendered contracts back with poppler and qpdf, as a person opening the file would: the
//! words must be there, accents intact, and the file must be a valid PDF.
//!
//! Needs the Debian packages `poppler-utils` (pdftotext, pdfinfo) and `qpdf`; without them these
//! tests fail and say so, rather than pass having checked nothing.

mod contract {
    use std::io::ErrorKind;
    use std::process::Command;

    use flowstage_core::contract::{ContractError, ContractInput, Deal, Lang, Licence, render};

    /// Runs a PDF tool on `bytes`; a missing tool is a failure that says what to install.
    #[track_caller]
    fn run(tool: &str, args: &[&str], bytes: &[u8]) -> (bool, String) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("contract.pdf");
        std::fs::write(&path, bytes).expect("the PDF written to the temporary directory");
        let path = path.to_str().expect("a UTF-8 temporary path");
        let args: Vec<&str> = args.iter().map(|a| if *a == "{}" { path } else { a }).collect();
        let output = match Command::new(tool).args(&args).output() {
            Ok(output) => output,
            Err(e) if e.kind() == ErrorKind::NotFound => panic!(
                "`{tool}` is not installed: these tests need poppler-utils and qpdf \
                 (apt-get update && apt-get install -y poppler-utils qpdf)"
            ),
            Err(e) => panic!("could not run {tool}: {e}"),
        };
        let stdout = String::from_utf8(output.stdout).expect("UTF-8 output (pdftotext -enc UTF-8)");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.success(), format!("{stdout}{stderr}"))
    }

    /// The text pdftotext reads, with no-break spaces kept as they are.
    #[track_caller]
    fn text_of(bytes: &[u8]) -> String {
        let (ok, out) = run("pdftotext", &["-enc", "UTF-8", "{}", "-"], bytes);
        assert!(ok, "pdftotext failed: {out}");
        out
    }

    /// The same text with every kind of space as a plain space, lines joined and dot leaders
    /// dropped, for phrases that may wrap and amounts in their column.
    fn flat(text: &str) -> String {
        text.replace(['\u{a0}', '\u{202f}'], " ")
            .split_whitespace()
            .filter(|word| !(word.len() >= 3 && word.chars().all(|c| c == '.')))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[track_caller]
    fn pages_of(bytes: &[u8]) -> usize {
        let (ok, out) = run("pdfinfo", &["{}"], bytes);
        assert!(ok, "pdfinfo failed: {out}");
        out.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no page count in: {out}"))
    }

    #[track_caller]
    fn assert_valid_pdf(bytes: &[u8]) {
        let (ok, out) = run("qpdf", &["--check", "{}"], bytes);
        assert!(ok, "qpdf --check failed:\n{out}");
        assert!(out.contains("No syntax or stream encoding errors"), "{out}");
    }

    /// No "____" is left but the initials in the footer: every field is answered, and the only
    /// lines to fill by hand are the signatures (which print no underscores).
    #[track_caller]
    fn assert_no_blank(text: &str) {
        let body = text.replace("Paraphes : ________", "").replace("Initials: ________", "");
        assert!(!body.contains("__"), "a blank is left in:\n{text}");
        assert!(!body.contains(" : ,") && !body.contains(": ,"), "an empty field in:\n{text}");
    }

    #[track_caller]
    fn assert_contains_all(haystack: &str, needles: &[&str]) {
        let missing: Vec<&&str> = needles.iter().filter(|n| !haystack.contains(*n)).collect();
        assert!(missing.is_empty(), "missing {missing:?} in:\n{haystack}");
    }

    #[test]
    fn french_sample_reads_back_with_parties_date_fee_and_accents() {
        let input = ContractInput::sample();
        let contract = render(&input).unwrap();
        let raw = text_of(&contract.bytes);
        let text = flat(&raw);
        assert_contains_all(
            &text,
            &[
                "CONTRAT DE CESSION DU DROIT D'EXPLOITATION D'UN SPECTACLE",
                "Réf. FS-2026-000123",
                "Les Productions du Château d'Eau",
                "Association Œil de Bœuf",
                "Chloé Bérénice & les Naïfs",
                "« Fêtes où l'on s'aime »",
                "PLATESV-D-2024-000871, catégorie 2",
                "samedi 14 mars 2026",
                "Fait à Lyon, le lundi 2 février 2026",
                "Prix de cession HT 1 200,00 €",
                "TVA (5,5 %) 66,00 €",
                "Total TTC 1 266,00 €",
                "Lu et approuvé",
                "Gaëlle Garçon",
                "Noël Pâris",
                "tribunaux de Grenoble",
            ],
        );
        // Amounts are set with no-break spaces, so "1 200,00 €" is never split over two lines.
        // WinAnsi names byte 0xA0 "space", so extractors read it back as U+0020.
        assert!(raw.lines().any(|l| l.ends_with("1 200,00 €")), "{raw}");
        for c in ['é', 'è', 'ê', 'ë', 'à', 'â', 'ç', 'ô', 'û', 'ù', 'ï', 'œ', 'Œ', '«', '»', '€']
        {
            assert!(raw.contains(c), "{c:?} lost in:\n{raw}");
        }
        // Every field is answered: no blank is left but the signatures and the initials; the
        // organiser needs no licence, and says so.
        assert_no_blank(&text);
        assert!(text.contains("moins de six représentations par an"), "{text}");
        assert!(!text.contains("attestation de vigilance"), "{text}");
        let pages = pages_of(&contract.bytes);
        assert!(text.contains(&format!("page 1/{pages}")), "{text}");
        assert_valid_pdf(&contract.bytes);
    }

    #[test]
    fn every_section_of_a_french_contract_is_there() {
        let text = flat(&text_of(&render(&ContractInput::sample()).unwrap().bytes));
        assert_contains_all(
            &text,
            &[
                "Objet",
                "Le spectacle",
                "Lieu, date et horaires",
                "Balances : 17h30",
                "(couvre-feu) : 23h30",
                "Obligations du Producteur",
                "Obligations de l'Organisateur",
                "SACEM",
                "GUSO",
                "Conditions financières",
                "Acompte : 360,00 € HT, soit 379,80 € TTC, payé par virement bancaire au plus tard le lundi 16 février 2026",
                "Solde : 886,20 € TTC, payé par virement bancaire au plus tard le samedi 28 mars 2026",
                "Équipe : 4 artistes et 1 technicien, soit 5 personnes en tournée",
                "Repas : 19h00",
                "Transport : à la charge du Producteur, inclus dans le prix",
                "Hébergement : fourni par l'Organisateur pour 5 personnes",
                "Tarif réduit : 12,00 € TTC",
                "Invitations réservées au Producteur : 8",
                "Annexe 1 – Fiche technique du spectacle",
                "Façade 2 × 1 kW",
                "Annexe 2 – Équipement scénique et backline du lieu",
                "Console Yamaha QL1",
                "Billetterie",
                "Jauge : 180 places",
                "Promotion",
                "Assurances",
                "Annulation",
                "force majeure",
                "Annexes",
                "fiche technique",
                "Litiges",
                "en deux exemplaires originaux",
                "Pour le Producteur",
                "Pour l'Organisateur",
            ],
        );
    }

    #[test]
    fn same_input_gives_the_same_bytes() {
        let input = ContractInput::sample();
        let first = render(&input).unwrap();
        let second = render(&input).unwrap();
        assert_eq!(first.bytes, second.bytes);
        assert_eq!(first.sha256, second.sha256);
        assert_eq!(first.sha256.len(), 64);

        let mut other = input.clone();
        other.reference = "FS-2026-000124".into();
        assert_ne!(render(&other).unwrap().sha256, first.sha256);
    }

    #[test]
    fn english_contract_is_a_performance_agreement() {
        let mut input = ContractInput::sample();
        input.lang = Lang::En;
        let contract = render(&input).unwrap();
        let text = flat(&text_of(&contract.bytes));
        assert_contains_all(
            &text,
            &[
                "PERFORMANCE AGREEMENT",
                "Ref. FS-2026-000123",
                "Association Œil de Bœuf",
                "Saturday 14 March 2026",
                "Fee excluding VAT €1,200.00",
                "VAT (5.5%) €66.00",
                "Total including VAT €1,266.00",
                "fewer than six shows a year",
                "Read and approved",
                "page 1/",
            ],
        );
        assert!(!text.contains("CONTRAT"), "{text}");
        assert_valid_pdf(&contract.bytes);
    }

    #[test]
    fn door_deal_is_a_coproduction_contract() {
        let mut input = ContractInput::sample();
        input.deal = Deal::DoorDeal { percent_bp: 7_000 };
        let contract = render(&input).unwrap();
        let text = flat(&text_of(&contract.bytes));
        assert_contains_all(
            &text,
            &[
                "CONTRAT DE CORÉALISATION D'UN SPECTACLE",
                "coréalisent",
                "70 % pour le Producteur et 30 % pour l'Organisateur",
                "sans minimum garanti",
                "bordereau",
            ],
        );
        assert!(!text.contains("Prix de cession"), "{text}");
        assert_valid_pdf(&contract.bytes);
    }

    #[test]
    fn guarantee_deals_state_the_guarantee_and_the_share() {
        let mut input = ContractInput::sample();
        input.deal = Deal::GuaranteeVersus { guarantee_cents: 80_000, percent_bp: 6_500 };
        let text = flat(&text_of(&render(&input).unwrap().bytes));
        assert_contains_all(
            &text,
            &[
                "CORÉALISATION",
                "65 % pour le Producteur et 35 % pour l'Organisateur, avec un minimum garanti",
                "Minimum garanti HT 800,00 €",
                "844,00 €",
            ],
        );

        input.deal = Deal::GuaranteePlus { guarantee_cents: 80_000, percent_bp: 1_250 };
        let text = flat(&text_of(&render(&input).unwrap().bytes));
        assert_contains_all(
            &text,
            &["CONTRAT DE CESSION", "augmenté de 12,5 %", "Prix fixe HT 800,00 €"],
        );
    }

    #[test]
    fn long_notes_flow_onto_further_pages() {
        let short = render(&ContractInput::sample()).unwrap();
        let mut input = ContractInput::sample();
        let paragraph = "L'Organisateur met à disposition une loge chauffée, fermant à clé, avec \
                         miroir, serviettes et eau minérale ; le Producteur prévient de tout \
                         changement d'équipe au moins huit jours à l'avance. ";
        input.notes = Some(format!("{}\nFIN DES CONDITIONS PARTICULIÈRES.", paragraph.repeat(40)));
        let long = render(&input).unwrap();
        let (before, after) = (pages_of(&short.bytes), pages_of(&long.bytes));
        assert!(after > before, "{before} pages before, {after} after");
        let text = flat(&text_of(&long.bytes));
        assert_contains_all(
            &text,
            &[
                "Conditions particulières",
                "FIN DES CONDITIONS PARTICULIÈRES.",
                &format!("page {after}/{after}"),
            ],
        );
        // Every line of the notes made it: 40 copies of a word of the paragraph.
        assert_eq!(text.matches("serviettes").count(), 40);
        assert_valid_pdf(&long.bytes);
    }

    #[test]
    fn vigilance_certificate_is_required_from_5000_euros_excluding_vat() {
        let mut input = ContractInput::sample();
        input.deal = Deal::FlatFee { fee_cents: 500_000 };
        let text = flat(&text_of(&render(&input).unwrap().bytes));
        assert_contains_all(&text, &["attestation de vigilance", "URSSAF", "5 000 € HT"]);

        input.deal = Deal::FlatFee { fee_cents: 499_999 };
        let text = flat(&text_of(&render(&input).unwrap().bytes));
        assert!(!text.contains("vigilance"), "{text}");
    }

    #[test]
    fn missing_identifiers_print_blanks() {
        let mut input = ContractInput::sample();
        input.producer.licence = Licence::Unknown;
        input.producer.vat_number = None;
        input.producer.signatory_name = None;
        input.court_city = None;
        input.organiser.siret = None;
        input.show.lineup = None;
        input.costs = None;
        input.payment = None;
        input.drinks_served = None;
        let text = flat(&text_of(&render(&input).unwrap().bytes));
        assert_contains_all(
            &text,
            &[
                "SIRET : ______________________",
                "Équipe : ______________________",
                "Transport : ______________________",
                "Acompte : ______________________",
                "le taux normal s'applique si des consommations sont servies",
                "spectacles : n° ______________________, catégorie ____",
                "N° de TVA intracommunautaire : ______________________",
                "tribunaux de ______________________",
            ],
        );
    }

    #[test]
    fn names_outside_latin1_do_not_break_the_file() {
        let mut input = ContractInput::sample();
        input.show.artist_name = "Кино 🎸 Ωmega".into();
        input.organiser.legal_name = "Café\u{202f}Müller — 東京".into();
        let contract = render(&input).unwrap();
        assert_valid_pdf(&contract.bytes);
        let raw = text_of(&contract.bytes);
        let text = flat(&raw);
        // Cyrillic and Greek are in the embedded font and print as typed; what it lacks (CJK,
        // emoji) is transliterated or replaced.
        assert_contains_all(&text, &["Кино", "Ωmega", "Café Müller", "Dong Jing"]);
        // The narrow no-break space prints as a (no-break) space, not as '?'.
        assert!(raw.contains("Café Müller"), "{raw}");
    }

    #[test]
    fn every_font_is_embedded_and_no_conformance_is_claimed() {
        for lang in [Lang::Fr, Lang::En] {
            let mut input = ContractInput::sample();
            input.lang = lang;
            let bytes = render(&input).unwrap().bytes;
            let (ok, out) = run("pdffonts", &["{}"], &bytes);
            assert!(ok, "pdffonts failed: {out}");
            // name, type, encoding, emb, sub, uni, object ID
            let rows: Vec<&str> = out.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(rows.len(), 2, "regular and bold:\n{out}");
            for row in rows {
                let cols: Vec<&str> = row.split_whitespace().collect();
                assert!(row.contains("+DejaVuSans"), "{out}");
                let n = cols.len();
                assert_eq!(cols[n - 5..n - 2], ["yes", "yes", "yes"], "emb, sub, uni:\n{out}");
            }
            let (ok, info) = run("pdfinfo", &["{}"], &bytes);
            assert!(ok, "{info}");
            assert!(!info.contains("PDF/X") && !info.contains("PDF/A"), "{info}");
            let (ok, meta) = run("pdfinfo", &["-meta", "{}"], &bytes);
            assert!(ok && !meta.contains("GTS_PDFX") && !meta.contains("pdfaid"), "{meta}");
            assert_valid_pdf(&bytes);
        }
    }

    #[test]
    fn sample_contract_is_small() {
        let contract = render(&ContractInput::sample()).unwrap();
        assert!(contract.bytes.len() < 200 * 1024, "{} bytes", contract.bytes.len());
        assert!(contract.bytes.starts_with(b"%PDF-"));
    }

    #[test]
    fn invalid_input_is_refused_with_the_field() {
        let mut input = ContractInput::sample();
        input.show.artist_name = String::new();
        assert_eq!(render(&input), Err(ContractError::Missing { field: "show.artist_name" }));

        let mut input = ContractInput::sample();
        input.notes = Some("très long ".repeat(200_000));
        assert!(matches!(render(&input), Err(ContractError::TooLong { .. })));
    }
}

/// The VAT rule and the URSSAF vigilance mention, read back from the PDF.
mod vat {
    #![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

    use std::process::Command;

    use flowstage_core::contract::{Cents, ContractInput, Cost, Costs, Deal, Lang, render};

    fn text(input: &ContractInput) -> String {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("c.pdf");
        std::fs::write(&path, render(input).unwrap().bytes).unwrap();
        let out = Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) installed");
        String::from_utf8(out.stdout)
            .unwrap()
            .replace(['\u{a0}', '\u{202f}'], " ")
            .split_whitespace()
            .filter(|w| !(w.len() >= 3 && w.chars().all(|c| c == '.')))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn drinks_served_take_the_normal_rate_and_say_why() {
        let mut input = ContractInput::sample();
        input.drinks_served = Some(true);
        let t = text(&input);
        assert!(t.contains("TVA (20 %) 240,00 €"), "{t}");
        assert!(t.contains("Total TTC 1 440,00 €"), "{t}");
        assert!(t.contains("Des consommations étant servies pendant le spectacle, le taux normal de TVA de 20 % s'applique"), "{t}");
        input.lang = Lang::En;
        let t = text(&input);
        assert!(t.contains("VAT (20%) €240.00"), "{t}");
        assert!(
            t.contains(
                "As drinks are served during the show, the standard VAT rate of 20% applies"
            ),
            "{t}"
        );
    }

    #[test]
    fn no_drinks_take_the_reduced_rate_and_say_why() {
        let mut input = ContractInput::sample();
        input.drinks_served = Some(false);
        let t = text(&input);
        assert!(t.contains("TVA (5,5 %) 66,00 €"), "{t}");
        assert!(t.contains("Aucune consommation n'étant servie pendant le spectacle, le taux réduit de TVA de 5,5 % s'applique"), "{t}");
        assert!(!t.contains("taux normal"), "{t}");
    }

    #[test]
    fn a_producer_outside_vat_charges_none() {
        let mut input = ContractInput::sample();
        input.producer_charges_vat = false;
        let t = text(&input);
        assert!(t.contains("TVA (0 %) 0,00 €"), "{t}");
        assert!(t.contains("n'étant pas assujetti à la TVA"), "{t}");
    }

    #[test]
    fn costs_paid_on_top_count_in_the_totals_and_the_vigilance_threshold() {
        let mut input = ContractInput::sample();
        // 4 700 € fee + 300 € travel paid on top = 5 000 € HT: the vigilance mention appears.
        input.deal = Deal::FlatFee { fee_cents: 470_000 };
        let paid = Cost::Paid { amount_ht: Cents::new(30_000).unwrap(), people: 5 };
        input.costs = Some(Costs { travel: paid, ..input.costs.unwrap() });
        let t = text(&input);
        for needle in [
            "Prix de cession HT 4 700,00 €",
            "Frais pris en charge HT 300,00 €",
            "Total HT 5 000,00 €",
            "TVA (5,5 %) 275,00 €",
            "Total TTC 5 275,00 €",
            "payé par l'Organisateur en sus du prix : 300,00 € HT pour 5 personnes",
            "attestation de vigilance URSSAF du Producteur, remise à la signature",
        ] {
            assert!(t.contains(needle), "{needle} missing in {t}");
        }
        input.costs = Some(Costs { travel: Cost::Included, ..input.costs.unwrap() });
        let t = text(&input);
        assert!(!t.contains("vigilance"), "4 700 € HT stays under the threshold: {t}");
        input.deal = Deal::GuaranteeVersus { guarantee_cents: 500_000, percent_bp: 7_000 };
        input.lang = Lang::En;
        let t = text(&input);
        assert!(t.contains("URSSAF"), "{t}");
        assert!(t.contains("Guarantee excluding VAT €5,000.00"), "{t}");
    }
}
