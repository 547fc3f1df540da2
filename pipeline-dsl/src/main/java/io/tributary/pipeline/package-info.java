/**
 * Placeholder until this module's issue lands; see the README's roadmap.
 */
package io.tributary.pipeline;
