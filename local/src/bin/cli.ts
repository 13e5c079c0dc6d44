import { cliFailure, runCli } from '../cli';

// `npm run cli -- <command>`: the operator CLI as a process of its own.
runCli(process.argv.slice(2)).catch((error: unknown) => process.exit(cliFailure(error)));
