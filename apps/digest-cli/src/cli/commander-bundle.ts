// commander as a file of its own in dist/ (commander.cjs, see tsup.config.ts): the bin loads it
// only for a command line with options, and a small run does not compile its 125 KB.
export * from 'commander';
