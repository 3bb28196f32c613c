#!/usr/bin/env bash
# Checks every event fixture in fixtures/ against the official `stripe` npm package's TypeScript
# types: fixtures/<name>.json must satisfy the type named in fixtures/types.txt ("<name> <Type>",
# e.g. "checkout_session_completed CheckoutSessionCompletedEvent"). The packages are installed by
# scripts/test-deps into tests/stripe/node_modules (gitignored). Nothing is skipped: without them,
# this fails and says how to install them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tsc="$here/node_modules/.bin/tsc"
if [ ! -x "$tsc" ] || [ ! -d "$here/node_modules/stripe" ]; then
  echo "check-fixtures: the stripe and typescript npm packages are missing in $here/node_modules;" >&2
  echo "run scripts/test-deps (or: npm install --prefix $here)" >&2
  exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
while read -r name type; do
  [ -z "$name" ] && continue
  json="$here/fixtures/$name.json"
  [ -f "$json" ] || { echo "check-fixtures: $json is missing" >&2; exit 2; }
  {
    echo "import Stripe from 'stripe';"
    printf 'export const %s = (\n' "$name"
    cat "$json"
    printf ') satisfies Stripe.%s;\n' "$type"
  } > "$out/$name.ts"
done < "$here/fixtures/types.txt"
cat > "$out/tsconfig.json" <<JSON
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "module": "nodenext", "moduleResolution": "nodenext",
    "target": "es2022", "skipLibCheck": true, "resolveJsonModule": true,
    "typeRoots": [], "types": [], "baseUrl": "$here", "paths": { "stripe": ["$here/node_modules/stripe"] }
  },
  "include": ["$out/*.ts"]
}
JSON
cd "$here"
"$tsc" -p "$out/tsconfig.json"
echo "check-fixtures: $(grep -c . "$here/fixtures/types.txt") fixtures satisfy the stripe package's event types"
