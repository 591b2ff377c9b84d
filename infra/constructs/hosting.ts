import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  OriginRequestPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/**
 * One private bucket (web assets at the root, shared avatars under avatars/) behind CloudFront
 * with origin access control. The API is added as a second origin under /v1/*, so the pages
 * and the API share one origin.
 */
export class Hosting extends Construct {
  readonly assets: Bucket;
  readonly logs: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.logs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are delivered with ACLs.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.assets = new Bucket(this, 'Assets', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'Chat distribution: widget, pages, avatars and API',
      defaultRootObject: 'index.html',
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cdn/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.assets),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      },
    });
  }

  /**
   * Uploads the built pages and widget. widget.js keeps one name (sites embed it) and a short
   * cache; its content-hashed copy is cached for a year. Avatars are never pruned.
   */
  addWebAssets(folder: string) {
    new BucketDeployment(this, 'WebAssets', {
      sources: [Source.asset(folder)],
      destinationBucket: this.assets,
      exclude: ['avatars/*', 'widget.*.js'],
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.minutes(5))],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/widget.js', '/console/*', '/admin/*', '/pages.css'],
    });
    new BucketDeployment(this, 'VersionedWidget', {
      sources: [Source.asset(folder, { exclude: ['*', '!widget.*.js'] })],
      destinationBucket: this.assets,
      prune: false,
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.days(365)), CacheControl.immutable()],
    });
  }

  /** Routes /v1/* to the API, uncached, with everything the viewer sent but the Host header. */
  addApi(apiOrigin: import('aws-cdk-lib/aws-cloudfront').IOrigin) {
    this.distribution.addBehavior('/v1/*', apiOrigin, {
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    });
  }
}
