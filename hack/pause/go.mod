// The real-node bed's sandbox ("pause") program: what every pod's infrastructure container runs. Built
// locally (CGO off, static) and packed into an OCI image by hack/lib/pause-image.ts; never pulled.
module daas-auth/hack/pause

go 1.24.0
