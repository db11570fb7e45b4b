/**
 * `work`, given `ms` and a signal that cancels it then: its result, or undefined when it had not
 * finished by then. Raced as well as cancelled, so work the signal does not reach (a library's own
 * lookups) is left behind too; the signal is aborted once the answer is in either way.
 */
export async function withinBudget<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  const budget = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const spent = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      budget.abort()
      resolve(undefined)
    }, ms)
  })
  try {
    return await Promise.race([work(budget.signal), spent])
  } finally {
    clearTimeout(timer)
    budget.abort()
  }
}
