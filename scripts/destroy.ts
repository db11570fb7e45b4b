#!/usr/bin/env -S npx tsx
// Entry point of `npm run destroy` and `devbox run destroy`; all logic lives in bootstrap/.
import { runEntry } from '../bootstrap/cli/entry.js'

await runEntry('destroy')
