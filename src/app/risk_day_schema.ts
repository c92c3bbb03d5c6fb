import { z } from "zod";

/** The persisted day's loss accounting of the RiskGate (see RiskDayState). */
export const riskDaySchema = z.object({
  day: z.number().int(),
  dayStartEquity: z.number().finite(),
  lastEquity: z.number().finite(),
  latched: z.boolean(),
});
