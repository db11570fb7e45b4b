import os from 'node:os'
import path from 'node:path'
import { defineConfig } from 'vitest/config'

// Run locks and run reports of the CLI under test go to a folder of their own, not the user's. The
// build cache is fixed here, before any test points HOME at a throwaway home, so a control plane or
// a set of controllers started later still finds the binaries built once.
const env = {
  XDG_STATE_HOME: path.join(os.tmpdir(), 'kindling-test-state'),
  KINDLING_CACHE: process.env.KINDLING_CACHE ?? path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kindling'),
}

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          env,
          setupFiles: ['test/unit/support/state-dir.ts'],
          // A guard against a hang, not a speed target: tests that start node or git take seconds on a
          // loaded 2-core machine (CI runs them beside the control plane), well past the 5 s default.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          env,
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          // One control plane per run, shared by files that run one after another.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
