/**
 * Runnable examples that the README and the demo use.
 */
package io.tributary.examples;
