package org.tfinterop;

import java.util.Collections;
import java.util.List;

/** The graph holds ops that reach outside the computation, and the caller did not allow that. */
public class UntrustedModelException extends TfInteropException {
    private static final long serialVersionUID = 1L;
    private final transient List<UntrustedOps.Finding> findings;

    public UntrustedModelException(String message, List<UntrustedOps.Finding> findings) {
        super("untrusted-model", message);
        this.findings = Collections.unmodifiableList(findings);
    }

    public List<UntrustedOps.Finding> findings() {
        return findings;
    }
}
