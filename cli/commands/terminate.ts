// `openfold-argo terminate NAME`: see stop.ts.
import { shutdownCommand } from './stop.js';

export const command = shutdownCommand('Terminate');
