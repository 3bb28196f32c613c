# Commands: `cmd-NAME` for menus (at most 100 characters), `cmd-NAME-long` for /help,
# `cmd-NAME-ARG` for each argument (Discord's options).
cmd-start = Start or resume
cmd-start-long = start, or resume where you were
cmd-help = What I can do
cmd-help-long = what I can do for you
cmd-profile = My profile
cmd-profile-long = your profile: see it, edit it, switch profiles or add one
cmd-match = Find venues or artists
cmd-match-long = find venues or artists (over the next three months by default)
cmd-match-date = A date or a period, e.g. 12/03 or 01/03-31/03
cmd-match-radius = Maximum distance, in km
cmd-match-genre = A music genre
cmd-match-fee = The highest fee or budget, in euros
cmd-match-capacity = Capacity: 200, 100-300 or 200+
cmd-match-city = Search around this city rather than your own
cmd-favorites = My favourites
cmd-favorites-long = your favourites
cmd-proposals = My proposals
cmd-proposals-long = the proposals you sent and received, and your confirmed dates
cmd-settings = Language, alerts, email
cmd-settings-long = language, alerts and email
cmd-link = Link another account (Discord, email)
cmd-link-long = link another account (Telegram, Discord) to this one
cmd-link-code = The code the other account shows
cmd-support = Write to the team
cmd-support-long = write to the Flow Stage team
cmd-support-message = Your message
cmd-mydata = Export my data
cmd-mydata-long = receive all your data (JSON)
cmd-deleteme = Erase my data
cmd-deleteme-long = erase your account and your data
cmd-cancel = Leave the current step
cmd-cancel-long = leave the current step
cmd-pending = Profiles to review
cmd-pending-long = the profiles waiting for review
cmd-approve = Approve a profile
cmd-approve-long = approve a profile: /approve NUMBER
cmd-approve-id = The profile's number
cmd-reject = Reject a profile
cmd-reject-long = reject a profile: /reject NUMBER reason
cmd-reject-id = The profile's number
cmd-reject-reason = The reason, told to the person
cmd-suspend = Suspend a profile
cmd-suspend-long = suspend a profile: /suspend NUMBER reason
cmd-suspend-id = The profile's number
cmd-suspend-reason = The reason, told to the person
cmd-stats = Statistics
cmd-stats-long = the platform's figures
cmd-tickets = Support requests
cmd-tickets-long = the open support requests
help-commands = **Commands:**
help-admin-commands = **Admin:**
help-command-line = /{ $command } — { $description }

# What the front-ends say around the conversation.
frontend-sorry = Sorry, something went wrong on our side. Please try again in a moment.
frontend-already-chosen = Already chosen
frontend-chosen = ✓ { $label }
frontend-share-location = 📍 Share my location
frontend-or-share-location = 📍 Or share your location:
frontend-keyboard-closed = ✓
frontend-new-message = 📬 New message:
frontend-terminal-hint = Answer with a button's number, its label, text or a /command. /quit to leave.
frontend-terminal-title = Flow Stage — { $user } ({ $role }).
frontend-demo-loaded = Demo data loaded: { $count } profiles.
frontend-attachment = 📎 { $name } ({ $mime }): { $path }

# `flowstage demo`: the narration and what its people type.
demo-title = Flow Stage — booking journey demo
demo-database = Database: { $path }
demo-scene-1 = 1. Léa creates her artist profile
demo-scene-2 = 2. An admin approves the profile
demo-scene-3 = 3. Léa finds venues and proposes
demo-scene-4 = 4. The venue counters
demo-scene-5 = 5. Léa accepts: booking and contract
demo-end = The end
demo-contract = Contract PDF: { $path }
demo-opens = (opens the chat)
demo-artist-name = Léa & les Ondes
demo-artist-bio = Three-voice chanson pop: guitar, keys and drums.
demo-artist-message = Hello! We would love to play at your place.
demo-venue-message = Our budget is €750 for this slot; dinner is on us.
frontend-discord-dms-closed = ⚠️ I cannot send you direct messages: yours are closed. Open them (the server's privacy settings), then send me a direct message to get your notifications.
frontend-discord-more = More:

# The calendar feed's event descriptions.
cal-deal-flat = flat fee, €{ $fee } excl. VAT
cal-deal-door = door deal, { $percent }% of receipts
cal-deal-versus = €{ $fee } guarantee versus { $percent }% of net
cal-deal-plus = €{ $fee } guarantee plus { $percent }% of net
cal-load-in = Load-in: { $time }
cal-soundcheck = Soundcheck: { $time }
cal-doors = Doors: { $time }
cal-set = Set: { $time }
cal-curfew = Curfew: { $time }
cal-set-length = Set length: { $minutes } min
cal-held = Date on hold, not confirmed yet.
cal-pending = Proposal awaiting an answer.
cal-hold-until = { $label } until { $until }.
cal-hold-challenged = Hold challenged: to confirm or release { $by }.
cal-hold-challenging = Challenging the 1st hold: answer due { $by }.

# Admin commands of issue 19.
cmd-edits = Profile changes to review
cmd-edits-long = changes to approved profiles waiting for review (the published version stays until then)
cmd-reinstate = Reinstate a suspended profile
cmd-reinstate-long = make a suspended profile public again: /reinstate NUMBER reason
cmd-reinstate-id = The profile's number
cmd-reinstate-reason = The reason, kept in the audit trail and told to the person
cmd-bookings = Bookings to come
cmd-bookings-long = confirmed bookings from today, with their payment and contract state
cmd-users = Find people
cmd-users-long = find people by name or number, see their profiles, suspend or reinstate
cmd-users-query = A name or a number
cmd-audit = Audit log
cmd-audit-long = the latest entries of the audit log: /audit profile:12 narrows it
cmd-audit-subject = What it is about, e.g. profile:12 or ticket:

demo-scene-6 = 6. Both sides complete the contract in the chat
demo-artist-legal-name = Les Ondes Productions
demo-artist-office = 4 quai de la Tête d'Or, 69006 Lyon
demo-artist-signatory = Léa Martin, manager
demo-artist-needs = PA 2 × 1 kW, 3 monitors, 10 inputs, a 2 × 2 m drum riser.
demo-venue-office = 12 rue de la République, 38000 Grenoble
demo-venue-signatory = Noël Pâris, programmer
demo-venue-stage = Stage 6 × 4 m, Yamaha QL1 desk, 4 monitors, bass amp provided.

# The Discord front-end (issue 10, second part): select menus.
frontend-discord-form-button = ✍️ Answer here
frontend-discord-form-title = Your answer
frontend-discord-form-label = Write it here
frontend-discord-choose = Choose…
frontend-discord-choose-range = Choose ({ $from }–{ $to })…

# A venue run by a team (issue 10): the team's place (a Discord server channel), from /settings.
team-offer = 📣 **Team channel.** This channel can also receive the notifications of **{ $name }**; whoever can write here may then answer its proposals here (view, accept, refuse, hold). Who can see and write in this channel is set by the server's admins.
team-here = 📣 This channel receives the notifications of **{ $name }**, and its proposals can be answered here.
team-other = 📣 This channel already serves another profile: only its owner can change that.
team-set = 📣 Done: the notifications of **{ $name }** also come to this channel.
team-off = 📣 The notifications of **{ $name }** no longer come to this channel.
team-no-place = 📣 Run /settings in your server's booking channel to send your notifications there.
btn-team-here = 📣 Use this channel
btn-team-off = ✖ Stop using this channel
demo-artist-audience = all ages, standing
demo-artist-deals = either, fee or share
