// Bad input to the estimator (a file, a run directory, a cluster file): the CLI shows the message as one line.
export class EstimateError extends Error {}
