import { chmod, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { stringify } from 'yaml'
import { formatCommand } from '../tools/runner.js'
import type { Action, StepContext } from './step.js'
import { describeWait, runWaits } from './waits.js'

/** Execute planned actions in order; the default `apply` of every step. */
export async function executeActions(ctx: StepContext, actions: readonly Action[]): Promise<void> {
  for (const action of actions) {
    ctx.signal.throwIfAborted()
    switch (action.type) {
      case 'run':
        await ctx.runner.run(action.command, { signal: ctx.signal })
        break
      case 'apply': {
        const kube = await ctx.kube()
        const results = await kube.applyAll(action.objects, { signal: ctx.signal })
        for (const result of results) ctx.log(`${result.ref}: ${result.outcome}`)
        break
      }
      case 'write-file':
        await writeFileAction(action)
        break
      case 'wait':
        await runWaits(ctx, [action.wait])
        break
      case 'call':
        await action.run(ctx)
        break
      case 'note':
        ctx.log(action.text)
        break
    }
  }
}

/** Write one planned file, its folder first; a mode given is set even on a file that existed. */
export async function writeFileAction(action: Extract<Action, { type: 'write-file' }>): Promise<void> {
  await mkdir(path.dirname(action.path), { recursive: true })
  await writeFile(action.path, action.content, { mode: action.mode ?? 0o644 })
  if (action.mode !== undefined) await chmod(action.path, action.mode)
}

/** The text a dry run prints for an action: the exact command, or the exact manifests. */
export function describeAction(action: Action, redact: (text: string) => string): string {
  switch (action.type) {
    case 'run':
      return redact(`$ ${formatCommand(action.command)}`)
    case 'apply': {
      const header = `apply (server-side)${action.description ? `: ${action.description}` : ''}`
      if (action.preview && action.preview.every((entry) => entry.state === 'up to date')) {
        return redact(`${header}: all ${action.preview.length} objects up to date`)
      }
      const states = action.preview ? `\n${action.preview.map((entry) => `  ${entry.ref}: ${entry.state}`).join('\n')}` : ''
      const docs = action.objects.map((object) => stringify(JSON.parse(JSON.stringify(object)), { lineWidth: 0 }).trimEnd())
      return redact(`${header}${states}\n---\n${docs.join('\n---\n')}`)
    }
    case 'write-file':
      return redact(`write ${action.path}${action.mode === undefined ? '' : ` (mode ${action.mode.toString(8)})`}\n${action.content.trimEnd()}`)
    case 'wait':
      return redact(describeWait(action.wait))
    case 'call':
      return redact(action.description)
    case 'note':
      return redact(action.text)
  }
}
