# Commands: `cmd-NAME` for menus (at most 100 characters), `cmd-NAME-long` for /help,
# `cmd-NAME-ARG` for each argument (Discord's options).
cmd-start = Commencer ou reprendre
cmd-start-long = commencer, ou reprendre là où vous en étiez
cmd-help = Ce que je sais faire
cmd-help-long = ce que je sais faire pour vous
cmd-profile = Mon profil
cmd-profile-long = votre profil : le voir, le modifier, changer de profil ou en ajouter un
cmd-match = Trouver des lieux ou des artistes
cmd-match-long = trouver des lieux ou des artistes (par défaut sur les trois prochains mois)
cmd-match-date = Une date ou une période, par ex. 12/03 ou 01/03-31/03
cmd-match-radius = Distance maximale, en km
cmd-match-genre = Un style musical
cmd-match-fee = Le cachet ou budget maximum, en euros
cmd-match-capacity = Jauge : 200, 100-300 ou 200+
cmd-match-city = Chercher autour de cette ville plutôt que la vôtre
cmd-favorites = Mes favoris
cmd-favorites-long = vos favoris
cmd-proposals = Mes propositions
cmd-proposals-long = vos propositions envoyées et reçues, et vos dates confirmées
cmd-settings = Langue, alertes, email
cmd-settings-long = langue, alertes et email
cmd-link = Relier un autre compte (Discord, email)
cmd-link-long = relier un autre compte (Telegram, Discord) à celui-ci
cmd-link-code = Le code affiché par l'autre compte
cmd-support = Écrire à l'équipe
cmd-support-long = écrire à l'équipe de Flow Stage
cmd-support-message = Votre message
cmd-mydata = Exporter mes données
cmd-mydata-long = recevoir toutes vos données (JSON)
cmd-deleteme = Effacer mes données
cmd-deleteme-long = effacer votre compte et vos données
cmd-cancel = Abandonner l'étape en cours
cmd-cancel-long = abandonner l'étape en cours
cmd-pending = Profils à valider
cmd-pending-long = les profils qui attendent une validation
cmd-approve = Approuver un profil
cmd-approve-long = approuver un profil : /approve NUMÉRO
cmd-approve-id = Le numéro du profil
cmd-reject = Refuser un profil
cmd-reject-long = refuser un profil : /reject NUMÉRO raison
cmd-reject-id = Le numéro du profil
cmd-reject-reason = La raison, dite à la personne
cmd-suspend = Suspendre un profil
cmd-suspend-long = suspendre un profil : /suspend NUMÉRO raison
cmd-suspend-id = Le numéro du profil
cmd-suspend-reason = La raison, dite à la personne
cmd-stats = Statistiques
cmd-stats-long = les chiffres de la plateforme
cmd-tickets = Demandes de support
cmd-tickets-long = les demandes de support ouvertes
help-commands = **Commandes :**
help-admin-commands = **Admin :**
help-command-line = /{ $command } — { $description }

# What the front-ends say around the conversation.
frontend-sorry = Désolé, un problème est survenu de notre côté. Réessayez dans un instant.
frontend-already-chosen = Déjà choisi
frontend-chosen = ✓ { $label }
frontend-share-location = 📍 Partager ma position
frontend-or-share-location = 📍 Ou partagez votre position :
frontend-keyboard-closed = ✓
frontend-new-message = 📬 Nouveau message :
frontend-terminal-hint = Répondez par le numéro d'un bouton, son libellé, du texte ou une /commande. /quit pour sortir.
frontend-terminal-title = Flow Stage — { $user } ({ $role }).
frontend-demo-loaded = Données de démonstration chargées : { $count } profils.
frontend-attachment = 📎 { $name } ({ $mime }) : { $path }

# `flowstage demo`: the narration and what its people type.
demo-title = Flow Stage — démo du parcours de réservation
demo-database = Base de données : { $path }
demo-scene-1 = 1. Léa crée son profil d'artiste
demo-scene-2 = 2. Un administrateur valide le profil
demo-scene-3 = 3. Léa cherche des lieux et propose une date
demo-scene-4 = 4. Le lieu contre-propose
demo-scene-5 = 5. Léa accepte : réservation et contrat
demo-end = Fin
demo-contract = Contrat PDF : { $path }
demo-opens = (ouvre la conversation)
demo-artist-name = Léa & les Ondes
demo-artist-bio = Chanson pop à trois voix : guitare, claviers et batterie.
demo-artist-message = Bonjour ! Nous serions ravis de jouer chez vous.
demo-venue-message = Notre budget est de 750 € pour ce créneau ; le repas est offert.
frontend-discord-dms-closed = ⚠️ Je ne peux pas vous écrire en message privé : vos messages privés sont fermés. Ouvrez-les (Paramètres de confidentialité du serveur), puis écrivez-moi un message privé pour recevoir vos notifications.
frontend-discord-more = Suite :

# The calendar feed's event descriptions.
cal-deal-flat = cession, { $fee } € HT
cal-deal-door = coréalisation, { $percent } % des recettes
cal-deal-versus = garantie de { $fee } € ou { $percent } % des recettes nettes
cal-deal-plus = garantie de { $fee } € plus { $percent } % des recettes nettes
cal-load-in = Arrivée : { $time }
cal-soundcheck = Balances : { $time }
cal-doors = Portes : { $time }
cal-set = Concert : { $time }
cal-curfew = Fin : { $time }
cal-set-length = Durée du set : { $minutes } min
cal-held = Date posée en option, pas encore confirmée.
cal-pending = Proposition en attente de réponse.
cal-hold-until = { $label } jusqu'au { $until }.
cal-hold-challenged = Option contestée : à confirmer ou libérer { $by }.
cal-hold-challenging = Vous contestez la 1re option : réponse attendue { $by }.

# Admin commands of issue 19.
cmd-edits = Modifications de profils à valider
cmd-edits-long = les modifications de profils validés en attente (la version publiée reste d'ici là)
cmd-reinstate = Rétablir un profil suspendu
cmd-reinstate-long = rendre public un profil suspendu : /reinstate NUMÉRO motif
cmd-reinstate-id = Le numéro du profil
cmd-reinstate-reason = Le motif, gardé dans le journal d'audit et transmis à la personne
cmd-bookings = Réservations à venir
cmd-bookings-long = les réservations confirmées à partir d'aujourd'hui, avec l'état du paiement et du contrat
cmd-users = Trouver des personnes
cmd-users-long = trouver des personnes par nom ou numéro, voir leurs profils, suspendre ou rétablir
cmd-users-query = Un nom ou un numéro
cmd-audit = Journal d'audit
cmd-audit-long = les dernières entrées du journal d'audit : /audit profile:12 le restreint
cmd-audit-subject = Ce qu'elle concerne, par ex. profile:12 ou ticket:

demo-scene-6 = 6. Les deux parties complètent le contrat dans le chat
demo-artist-legal-name = Les Ondes Productions
demo-artist-office = 4 quai de la Tête d'Or, 69006 Lyon
demo-artist-signatory = Léa Martin, gérante
demo-artist-needs = Façade 2 × 1 kW, 3 retours, 10 entrées, praticable batterie 2 × 2 m.
demo-venue-office = 12 rue de la République, 38000 Grenoble
demo-venue-signatory = Noël Pâris, programmateur
demo-venue-stage = Scène 6 × 4 m, console Yamaha QL1, 4 retours, ampli basse fourni.

# The Discord front-end (issue 10, second part): select menus.
frontend-discord-form-button = ✍️ Répondre ici
frontend-discord-form-title = Votre réponse
frontend-discord-form-label = Écrivez-la ici
frontend-discord-choose = Choisir…
frontend-discord-choose-range = Choisir ({ $from }–{ $to })…

# A venue run by a team (issue 10): the team's place (a Discord server channel), from /settings.
team-offer = 📣 **Salon d'équipe.** Ce salon peut aussi recevoir les notifications de **{ $name }** ; quiconque peut y écrire pourra alors répondre ici à ses propositions (voir, accepter, refuser, mettre une option). Qui voit et écrit dans ce salon est réglé par les admins du serveur.
team-here = 📣 Ce salon reçoit les notifications de **{ $name }**, et on peut y répondre à ses propositions.
team-other = 📣 Ce salon sert déjà un autre profil : seul son propriétaire peut changer cela.
team-set = 📣 C'est fait : les notifications de **{ $name }** arrivent aussi dans ce salon.
team-off = 📣 Les notifications de **{ $name }** n'arrivent plus dans ce salon.
team-no-place = 📣 Lancez /settings dans le salon de programmation de votre serveur pour y recevoir vos notifications.
btn-team-here = 📣 Utiliser ce salon
btn-team-off = ✖ Ne plus utiliser ce salon
demo-artist-audience = tout public, debout
demo-artist-deals = cachet ou recettes, les deux
