#!/usr/bin/env -S npx tsx
// Entry point of `npm run status` and `devbox run status`; all logic lives in bootstrap/.
import { runEntry } from '../bootstrap/cli/entry.js'

await runEntry('status')
