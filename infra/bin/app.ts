import { App } from 'aws-cdk-lib';
import { loadStageConfig } from '../config';
import { addNagChecks, addPipeline } from '../lib/app';

// `--context stage=prod` (cdk.json defaults to dev), or WABA_STAGE=prod.
const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? process.env.WABA_STAGE ?? 'dev');
addPipeline(app, loadStageConfig(stage));
addNagChecks(app);
app.synth();
