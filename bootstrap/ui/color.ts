/**
 * Terminal colours, honouring the conventions users set: NO_COLOR (any value but empty) turns
 * them off, FORCE_COLOR (other than empty, 0 or false) turns them on and wins when both are set (as
 * in Node itself), otherwise only a terminal on stdout gets them, unless TERM is dumb.
 * Plain escape codes: loading a colour library would cost more start-up time than it saves.
 */
export function colorEnabled(env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stdout.isTTY)): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  return isTTY && env.TERM !== 'dumb'
}

const enabled = colorEnabled()

const style =
  (open: number, close: number) =>
  (text: string): string =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text

export const color = {
  bold: style(1, 22),
  red: style(31, 39),
  green: style(32, 39),
  yellow: style(33, 39),
  cyan: style(36, 39),
  gray: style(90, 39),
}
