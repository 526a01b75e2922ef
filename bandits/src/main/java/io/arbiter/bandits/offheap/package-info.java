/**
 * Off-heap structures that live in memory-mapped files: {@link io.arbiter.bandits.offheap.MappedFile} (map or
 * create, validate, clean-close flag, force, unmap) and {@link io.arbiter.bandits.offheap.MappedFileLayout} (the
 * header fields every such file has). A new mapped structure (segment statistics, linear models, frequency caps...)
 * starts here: see {@link io.arbiter.bandits.offheap.MappedFile} for the recipe and docs/bandits.md for the contracts.
 */
package io.arbiter.bandits.offheap;
