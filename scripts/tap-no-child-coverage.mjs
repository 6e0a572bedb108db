// Loaded into every test process (each package's tap `node-arg`), after tap's
// coverage recorder started for that process: processes the test starts record
// no coverage. Those run bundles of the TypeScript sources (child-bundle.mjs),
// so their V8 coverage lands on the bundle's lines and, merged with the test
// process's own, would corrupt the numbers. Coverage is what the test processes
// run; @tapjs/processinfo passes this variable on to children.
process.env._TAPJS_PROCESSINFO_COVERAGE_ = '0';
