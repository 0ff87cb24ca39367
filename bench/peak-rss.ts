/**
 * Loaded into a process the benchmark measures (`node --import bench/peak-rss.ts …`): on exit it
 * writes the process's peak resident memory to stderr, for the benchmark to read.
 */
export const PEAK_RSS_LINE = 'DANGAN_PEAK_RSS_KB';

process.on('exit', () => {
  process.stderr.write(`\n${PEAK_RSS_LINE} ${process.resourceUsage().maxRSS}\n`);
});
