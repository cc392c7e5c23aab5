package io.sirocco.engine;

/**
 * A constraint on the generated text (constrained decoding), set on {@link GenerationParams#grammar()}. Its one
 * implementation is {@code grammar.Grammar}, which the runtime applies; this contract package names only this
 * type so that it depends on no other engine package.
 */
public interface OutputConstraint {
}
