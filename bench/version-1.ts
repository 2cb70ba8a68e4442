/**
 * The benches compare measures, engines and builds on version 1's maths unless they say otherwise
 * (`metrics --modes` and `speed --modes` run every combination, the `v2` preset among them), so their
 * figures stay comparable with earlier reports and with older builds in A/B runs, which know these
 * four options but not `fusion`.
 */
import { FUSION_PRESETS } from '../src/core/options.js';
import type { FuseOptions } from '../src/core/types.js';

/** Version 1's measure, sigma, depth mode and composite as fuse() options. */
export const VERSION_1: FuseOptions = { ...FUSION_PRESETS.v1 };

/**
 * The sentence each measure report starts with, so a reader does not take the ranking for the
 * default pipeline's: "Pipeline: each measure under version 1's pipeline (sigma 3, gaussian depth,
 * interpolate), not the default v2 (teng, sigma 4, histogram depth, select); `--modes` compares the pipelines."
 */
export const VERSION_1_PIPELINE_NOTE =
  `Pipeline: each measure under version 1's pipeline (sigma ${FUSION_PRESETS.v1.sigma}, ${FUSION_PRESETS.v1.depthMode} depth, ${FUSION_PRESETS.v1.composite}), ` +
  `not the default v2 (${FUSION_PRESETS.v2.measure}, sigma ${FUSION_PRESETS.v2.sigma}, ${FUSION_PRESETS.v2.depthMode} depth, ${FUSION_PRESETS.v2.composite}); \`--modes\` compares the pipelines.`;

/** The same as CLI flags. */
export const VERSION_1_FLAGS: readonly string[] = ['--measure', FUSION_PRESETS.v1.measure, '--sigma', String(FUSION_PRESETS.v1.sigma), '--depth-mode', FUSION_PRESETS.v1.depthMode, '--composite', FUSION_PRESETS.v1.composite];
