import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildWeb, WEB_DIST } from '../web/build.js';
import { ChatDistributionStack } from './stack.js';

const app = new App();
const envName = String(app.node.tryGetContext('envName') ?? 'dev');
if (!/^[a-z][a-z0-9-]{0,15}$/.test(envName)) throw new Error(`envName must be a short lower-case name, got "${envName}"`);

await buildWeb();
new ChatDistributionStack(app, `ChatDistribution-${envName}`, {
  envName,
  webAssets: WEB_DIST,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
