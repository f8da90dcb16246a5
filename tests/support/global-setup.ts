/** Runs once before all test files. Filled in as shared test infrastructure grows. */
export default async function setup(): Promise<void> {}
