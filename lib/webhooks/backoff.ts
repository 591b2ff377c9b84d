/** How long a receiver has to come back before an event is given up (to the dead-letter queue). */
export const WEBHOOK_RETRY_WINDOW_SECONDS = 24 * 60 * 60;

const FIRST_RETRY_SECONDS = 10;
const LONGEST_RETRY_SECONDS = 60 * 60;

/** The wait after the n-th failed delivery (1-based): 10 s doubling up to an hour. */
export const retryDelaySeconds = (failedDeliveries: number) =>
  Math.min(FIRST_RETRY_SECONDS * 2 ** (failedDeliveries - 1), LONGEST_RETRY_SECONDS);

/**
 * Deliveries of one event at most (the queue's maxReceiveCount): the number whose waits add up
 * to the retry window, so a receiver down for up to 24 hours still gets every event.
 */
export const WEBHOOK_MAX_RECEIVES = (() => {
  let waited = 0;
  let deliveries = 1;
  while (waited < WEBHOOK_RETRY_WINDOW_SECONDS) waited += retryDelaySeconds(deliveries++);
  return deliveries;
})();
