/** What `work` throws; a test that expected a refusal fails with `accepted` when it throws nothing. */
export function refusalOf(work: () => unknown, accepted = 'expected a refusal'): unknown {
  try {
    work()
  } catch (error) {
    return error
  }
  throw new Error(accepted)
}
