import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  Function as CloudFrontFunction,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  type IOrigin,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  type ResponseSecurityHeadersBehavior,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { AVATAR_PREFIX, HSTS_MAX_AGE_SECONDS, pageCsp, WEB_HEADERS } from '../web-headers.js';

/** S3 has no folder index: /console/ and /admin/ (and any path ending in /) serve that folder's index.html. */
export const FOLDER_INDEX_FUNCTION = `function handler(event) {
  var request = event.request;
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  else if (request.uri === '/console' || request.uri === '/admin') request.uri += '/index.html';
  return request;
}`;

const hsts = (override: boolean): ResponseSecurityHeadersBehavior['strictTransportSecurity'] => ({
  accessControlMaxAge: Duration.seconds(HSTS_MAX_AGE_SECONDS),
  includeSubdomains: true,
  preload: false,
  override,
});

export interface HostingProps {
  /**
   * The origin of the live socket when it is not this one (the WebSocket API's,
   * wss://<api id>.execute-api.<region>.amazonaws.com): the pages' CSP lets them connect to it.
   */
  readonly liveOrigin?: string;
}

/**
 * One private bucket (web assets at the root, shared avatars under avatars/) behind CloudFront
 * with origin access control. The API is added as a second origin under /v1/*, so the pages
 * and the API share one origin. Each behaviour adds security headers (infra/web-headers.ts):
 * the pages' policy on the default one (pages, pages.css, widget.js; its connect-src also names
 * the live socket's origin), a sandbox on /avatars/*, and on /v1/* only nosniff and HSTS where
 * the API did not send them itself.
 */
export class Hosting extends Construct {
  readonly assets: Bucket;
  readonly logs: Bucket;
  readonly distribution: Distribution;
  readonly pageHeaders: ResponseHeadersPolicy;
  readonly avatarHeaders: ResponseHeadersPolicy;
  readonly apiHeaders: ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: HostingProps = {}) {
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
    const page = WEB_HEADERS.page;
    this.pageHeaders = new ResponseHeadersPolicy(this, 'PageHeaders', {
      comment: 'Pages, pages.css and widget.js: strict CSP, never framed, nosniff, HSTS; loadable by any site (widget.js)',
      securityHeadersBehavior: {
        // The local pages' policy, but that the live socket is on the WebSocket API's own host.
        contentSecurityPolicy: {
          contentSecurityPolicy: props.liveOrigin ? pageCsp(props.liveOrigin) : page['Content-Security-Policy']!,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: hsts(true),
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Cross-Origin-Opener-Policy', value: page['Cross-Origin-Opener-Policy']!, override: true },
          // Third-party pages run widget.js, served by this same behaviour.
          { header: 'Cross-Origin-Resource-Policy', value: WEB_HEADERS.site['Cross-Origin-Resource-Policy']!, override: true },
        ],
      },
    });
    const avatar = WEB_HEADERS.avatar;
    this.avatarHeaders = new ResponseHeadersPolicy(this, 'AvatarHeaders', {
      comment: 'Avatars: never sniffed, a sandbox when opened on their own, HSTS; shown by any site',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: avatar['Content-Security-Policy']!, override: true },
        contentTypeOptions: { override: true },
        strictTransportSecurity: hsts(true),
      },
      customHeadersBehavior: {
        customHeaders: [{ header: 'Cross-Origin-Resource-Policy', value: avatar['Cross-Origin-Resource-Policy']!, override: true }],
      },
    });
    this.apiHeaders = new ResponseHeadersPolicy(this, 'ApiHeaders', {
      comment: "API: nosniff and HSTS where the API's own reply has none; its own headers are kept",
      securityHeadersBehavior: {
        contentTypeOptions: { override: false },
        strictTransportSecurity: hsts(false),
      },
    });
    const assetsOrigin = S3BucketOrigin.withOriginAccessControl(this.assets);
    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'Chat distribution: widget, pages, avatars and API',
      defaultRootObject: 'index.html',
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cdn/',
      defaultBehavior: {
        origin: assetsOrigin,
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.pageHeaders,
        functionAssociations: [
          {
            eventType: FunctionEventType.VIEWER_REQUEST,
            function: new CloudFrontFunction(this, 'FolderIndex', {
              code: FunctionCode.fromInline(FOLDER_INDEX_FUNCTION),
              runtime: FunctionRuntime.JS_2_0,
              comment: 'Serves index.html for folder paths (/console/, /admin/)',
            }),
          },
        ],
      },
      additionalBehaviors: {
        [`${AVATAR_PREFIX}*`]: {
          origin: assetsOrigin,
          viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: this.avatarHeaders,
        },
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
  addApi(apiOrigin: IOrigin) {
    this.distribution.addBehavior('/v1/*', apiOrigin, {
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.apiHeaders,
    });
  }
}
