// Which external commands are missing, found the way spawn finds them (PATH lookup, no shell).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  if (command.includes('/')) return isExecutable(command);
  return path.split(delimiter).some((dir) => dir && isExecutable(join(dir, command)));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function missingCommands(commands: string[], path?: string): string[] {
  return commands.filter((c) => !onPath(c, path));
}
