import { App } from 'aws-cdk-lib';
import { loadStageConfig } from '../config';
import { addNagChecks, addPipeline } from '../lib/app';

// `--context stage=prod` (cdk.json defaults to dev), or WABA_STAGE=prod.
const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? process.env.WABA_STAGE ?? 'dev');
// `--context firstDeploy=true`: the stage's first deploy (deletion protection off until it succeeds).
const firstDeploy: unknown = app.node.tryGetContext('firstDeploy');
addPipeline(
  app,
  loadStageConfig(
    stage,
    firstDeploy === undefined ? {} : { firstDeploy: String(firstDeploy) === 'true' },
  ),
);
addNagChecks(app);
app.synth();
