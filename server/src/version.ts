// The version irqd reports (`irqd --version`, SARIF's tool.driver.version).
// The bundles do not read package.json at run time, so it is repeated here;
// test/cli/test-report.test.ts fails when the two disagree.
export const VERSION = '0.1.0';
