/**
 * Import rules checked by `npm run lint` (dependency-cruiser). Workspaces are
 * followed through their symlinks to their sources, so a cycle that runs
 * through two packages is a cycle here too; tests, benchmarks and the
 * reliability harness are cruised like any other module.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle, between modules or between workspaces, tests included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      severity: 'error',
      comment:
        'No cycle between folders either: a workspace (or bench/ and reliability/) that imports ' +
        'another one is never imported back by it.',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-other-package-tests',
      severity: 'error',
      comment:
        "A package never imports another package's tests/: shared test helpers live in testing/.",
      from: { path: '^([^/]+)/' },
      to: { path: '^([^/]+)/tests/', pathNot: '^$1/tests/' },
    },
    {
      name: 'testing-not-local',
      severity: 'error',
      comment:
        'testing/ depends on the libraries, never on the local stack (local/ depends on testing/).',
      from: { path: '^testing/' },
      to: { path: '^local/' },
    },
    {
      name: 'libraries-not-harness',
      severity: 'error',
      comment:
        'Production code of the libraries and consumers imports no test helper, the local stack, infra, benchmarks or the reliability harness.',
      from: {
        path: '^(whatsapp|db|webhook-receiver|db-processor|answer-worker|campaign-sender)/',
        pathNot: '/tests/',
      },
      to: { path: '^(testing|local|infra|bench|reliability|jest)/' },
    },
    {
      name: 'lambda-tests-not-local',
      severity: 'error',
      comment:
        'Tests of a library or consumer use @waba/testing, not the local stack; an end-to-end stack test belongs in local/tests.',
      from: {
        path: '^(whatsapp|db|webhook-receiver|db-processor|answer-worker|campaign-sender)/tests/',
      },
      to: { path: '^local/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|cdk[.]out|dist|coverage)/|^[.]data/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
