#!/usr/bin/env -S npx tsx
// Entry point of `npm run bootstrap` and `devbox run bootstrap`; all logic lives in bootstrap/.
import { runEntry } from '../bootstrap/cli/entry.js'

await runEntry('bootstrap')
