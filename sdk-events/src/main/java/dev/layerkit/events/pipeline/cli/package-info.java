/**
 * Running a pipeline from the command line: {@link dev.layerkit.events.pipeline.cli.PipelineRunner}
 * shows a progress bar while the job runs, prints its report and returns the process's exit code.
 * Needs {@code me.tongfei:progressbar}.
 */
@NullMarked
package dev.layerkit.events.pipeline.cli;

import org.jspecify.annotations.NullMarked;
