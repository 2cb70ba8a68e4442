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

/** The same as CLI flags. */
export const VERSION_1_FLAGS: readonly string[] = ['--measure', FUSION_PRESETS.v1.measure, '--sigma', String(FUSION_PRESETS.v1.sigma), '--depth-mode', FUSION_PRESETS.v1.depthMode, '--composite', FUSION_PRESETS.v1.composite];
