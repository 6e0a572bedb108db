// Loaded into every test process (each package's tap `node-arg`), after tap's
// coverage recorder started for that process: processes the test starts record
// no coverage. Those run the TypeScript sources through tsx, which prints every
// module on one line, so their V8 coverage lands on the wrong lines and, merged
// with the test process's own, corrupts the numbers
// (https://github.com/privatenumber/tsx/issues/433). Coverage is what the test
// processes run; @tapjs/processinfo passes this variable on to children.
process.env._TAPJS_PROCESSINFO_COVERAGE_ = '0';
