/** A token bucket's settings, as the config file gives them (server.rateLimit, admission.rateLimit). */
export interface RateLimit {
  /** Tokens added per second (sustained requests per second). */
  perSecond: number;
  /** Tokens held at most (requests that may come at once). */
  burst: number;
}
