/** The gates by which `auto` decides whether a stack moves (docs/alignment.md, auto). */

/**
 * `auto` applies a plane's transform only when it moves the frame's pixels by more than this, RMS.
 * Registered scanner stacks estimate at about 0.01 px; 0.5 px is where a misregistration starts to
 * soften edges visibly, and below it resampling would cost more sharpness than it gains.
 */
export const AUTO_THRESHOLD_PX = 0.5;

/**
 * `auto` counts a neighbour registration whose standard error (px RMS over the frame) exceeds this
 * as no motion: it cannot tell a 0.5 px motion from none at 3 standard errors. Tiny, nearly
 * textureless fields (96 px, a few cells near the centre) estimate at 0.2 .. 2 px and pick up
 * spurious scale from defocus there; moved 160 px fixtures and CCCID-size fields estimate at <= 0.08 px.
 */
export const AUTO_MAX_UNCERTAINTY_PX = AUTO_THRESHOLD_PX / 3;

/**
 * `auto` counts a neighbour registration as motion only when its displacement exceeds this many
 * standard errors (and, at full size, the standard error is at most AUTO_MAX_UNCERTAINTY_PX).
 * The quick look (quarter size, 0.15 .. 0.35 px per pair) on registered CCCID-like stacks stays
 * below 1.2 standard errors; without the test half of them looked moved (chained noise above
 * 0.5 px) and paid for a full estimation (~1.2 s) that then found nothing.
 */
export const AUTO_SIGNIFICANCE = 2;
