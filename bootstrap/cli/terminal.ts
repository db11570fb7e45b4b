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
