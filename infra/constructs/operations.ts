import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Operation, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface OperationsProps {
  readonly httpApi: HttpApi;
  readonly table: TableV2;
  readonly sweep: IFunction;
}

/** The stale-operator sweep every minute, and the alarms that matter. */
export class Operations extends Construct {
  readonly sweepRule: Rule;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    // At-least-once delivery is fine: the sweep's writes are conditional, so a second run finds nothing.
    this.sweepRule = new Rule(this, 'SweepSchedule', {
      description: 'Sets offline the operators whose heartbeat went stale',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(props.sweep, { retryAttempts: 2, maxEventAge: Duration.minutes(2) })],
    });
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    this.alarms = [
      new Alarm(this, 'Api5xx', {
        alarmDescription: 'The API answered 5xx',
        metric: props.httpApi.metricServerError(fiveMinutes),
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'TableThrottling', {
        alarmDescription: 'DynamoDB throttled requests on the main table',
        metric: props.table.metricThrottledRequestsForOperations({
          ...fiveMinutes,
          operations: [
            Operation.GET_ITEM,
            Operation.QUERY,
            Operation.PUT_ITEM,
            Operation.UPDATE_ITEM,
            Operation.DELETE_ITEM,
            Operation.TRANSACT_WRITE_ITEMS,
          ],
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'SweepErrors', {
        alarmDescription: 'The stale-operator sweep failed',
        metric: props.sweep.metricErrors(fiveMinutes),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
  }
}
