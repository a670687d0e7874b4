import type { Command } from '../main.js';
import { UserError } from '../errors.js';

export const command: Command = {
  summary: '(not implemented yet)',
  async run() {
    throw new UserError('the "submit" command is not implemented yet', 1);
  },
};
