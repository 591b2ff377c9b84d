import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Api } from './constructs/api.js';
import { Data } from './constructs/data.js';
import { Hosting } from './constructs/hosting.js';
import { Operations } from './constructs/operations.js';
import { suppressReviewedFindings } from './nag-suppressions.js';

export interface ChatDistributionStackProps extends StackProps {
  /** dev or prod: prod tables refuse deletion and logs are kept longer. */
  readonly envName: string;
  /** The built web assets (web/dist) to host; none when absent. */
  readonly webAssets?: string;
}

/** Everything the service needs in AWS. */
export class ChatDistributionStack extends Stack {
  readonly data: Data;
  readonly api: Api;
  readonly hosting: Hosting;
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: ChatDistributionStackProps) {
    super(scope, id, props);
    const production = props.envName === 'prod';

    this.data = new Data(this, 'Data', { protect: production });
    const platformSecret = new Secret(this, 'PlatformToken', {
      description: 'Bearer token of the platform role (creates sites)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    this.hosting = new Hosting(this, 'Hosting');
    const cdnUrl = `https://${this.hosting.distribution.distributionDomainName}`;
    this.api = new Api(this, 'Api', {
      table: this.data.table,
      idempotencyTable: this.data.idempotencyTable,
      platformSecret,
      assets: this.hosting.assets,
      avatarBaseUrl: `${cdnUrl}/avatars`,
      logRetention: production ? RetentionDays.SIX_MONTHS : RetentionDays.ONE_MONTH,
      throttle: production ? { rateLimit: 500, burstLimit: 1000 } : { rateLimit: 100, burstLimit: 200 },
    });
    this.hosting.addApi(new HttpOrigin(Fn.select(2, Fn.split('/', this.api.httpApi.apiEndpoint))));
    if (props.webAssets) this.hosting.addWebAssets(props.webAssets);
    this.operations = new Operations(this, 'Operations', {
      httpApi: this.api.httpApi,
      table: this.data.table,
      sweep: this.api.sweep,
    });

    new CfnOutput(this, 'ApiUrl', { value: `${cdnUrl}/v1`, description: 'The API (through CloudFront)' });
    new CfnOutput(this, 'DirectApiUrl', { value: `${this.api.httpApi.apiEndpoint}/v1`, description: 'The API Gateway endpoint' });
    new CfnOutput(this, 'WidgetUrl', { value: `${cdnUrl}/widget.js`, description: 'The widget script' });
    new CfnOutput(this, 'PlatformTokenSecretName', {
      value: platformSecret.secretName,
      description: 'aws secretsmanager get-secret-value --secret-id <this> --query SecretString --output text',
    });
    suppressReviewedFindings(this);
  }
}
