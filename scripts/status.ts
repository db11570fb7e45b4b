#!/usr/bin/env -S npx tsx
// Entry point of `kindling status` (npx kindling, npm and devbox scripts); all logic lives in bootstrap/.
import { runEntry } from '../bootstrap/cli/entry.js'

await runEntry('status')
