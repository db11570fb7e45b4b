/** The streams that decide whether a person is there to answer. */
export interface PromptStreams {
  stdin: { isTTY?: boolean }
  stderr: { isTTY?: boolean }
}

/**
 * Whether a question can be answered: prompts read stdin and draw on stderr, so both must be a
 * terminal. stdout does not count: `kindling wizard | tee setup.log` still has a person typing
 * where the questions are drawn, while `</dev/null` on a terminal has nobody (a prompt would read
 * end-of-file and stop the run halfway). CI=true counts as nobody, whatever its runner emulates.
 */
export function personCanAnswer(env: NodeJS.ProcessEnv = process.env, streams: PromptStreams = process): boolean {
  return Boolean(streams.stdin.isTTY && streams.stderr.isTTY) && env.CI !== 'true'
}

/** What decides whether the live progress display can be drawn on stdout. */
export interface DisplayStream {
  isTTY?: boolean
  columns?: number
}

/**
 * Whether stdout can take the live task list: a terminal that says how wide it is, outside CI.
 * The task list wraps its lines at that width, so a terminal of width 0 (`script` run without a
 * terminal of its own, a container started with `-t` before its size is set) would get one
 * character per line; it gets the plain lines a pipe gets instead.
 */
export function canDrawLive(env: NodeJS.ProcessEnv = process.env, stdout: DisplayStream = process.stdout): boolean {
  return Boolean(stdout.isTTY) && (stdout.columns ?? 0) > 0 && env.CI !== 'true'
}
