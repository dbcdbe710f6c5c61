{{/* Names and labels. */}}
{{- define "daas-auth.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "daas-auth.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "daas-auth.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "daas-auth.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "daas-auth.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "daas-auth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: daas-auth
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: call with (dict "root" $ "component" "webhook"). */}}
{{- define "daas-auth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "daas-auth.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "daas-auth.componentLabels" -}}
{{ include "daas-auth.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "daas-auth.webhookName" -}}{{ include "daas-auth.fullname" . }}-webhook{{- end -}}
{{- define "daas-auth.controllerName" -}}{{ include "daas-auth.fullname" . }}-controller{{- end -}}
{{- define "daas-auth.tlsSecretName" -}}
{{- if eq .Values.tls.mode "external" -}}{{ .Values.tls.external.servingSecret }}{{- else -}}{{ include "daas-auth.fullname" . }}-webhook-tls{{- end -}}
{{- end -}}
{{- define "daas-auth.certManagerCaSecretName" -}}{{ include "daas-auth.fullname" . }}-webhook-ca{{- end -}}
{{- define "daas-auth.authnKubeconfigSecretName" -}}{{ include "daas-auth.fullname" . }}-apiserver-authn{{- end -}}
{{- define "daas-auth.webhookConfigurationName" -}}{{ include "daas-auth.fullname" . }}{{- end -}}

{{- define "daas-auth.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* The webhook pods run unless the webhook lives elsewhere (url mode). */}}
{{- define "daas-auth.webhookDeployed" -}}
{{- if ne .Values.webhook.mode "url" -}}true{{- end -}}
{{- end -}}

{{/* The service DNS name kube-apiserver's TLS check uses (tls-server-name) and the certificate carries. */}}
{{- define "daas-auth.serviceHost" -}}
{{ include "daas-auth.webhookName" . }}.{{ .Release.Namespace }}.svc
{{- end -}}

{{/* Where kube-apiserver sends TokenReviews (apiserver.webhookServer, else per mode). */}}
{{- define "daas-auth.authnServer" -}}
{{- if .Values.apiserver.webhookServer -}}
{{ .Values.apiserver.webhookServer }}
{{- else if eq .Values.webhook.mode "daemonset" -}}
https://127.0.0.1:{{ .Values.webhook.port }}/authenticate
{{- else if eq .Values.webhook.mode "url" -}}
{{ trimSuffix "/" (required "webhook.url is needed in url mode" .Values.webhook.url) }}/authenticate
{{- else -}}
https://{{ include "daas-auth.serviceHost" . }}:{{ .Values.webhook.service.port }}/authenticate
{{- end -}}
{{- end -}}

{{/* Where kube-apiserver sends SubjectAccessReviews (apiserver.authorization.webhookServer, else the authn URL's /authorize). */}}
{{- define "daas-auth.authzServer" -}}
{{- if .Values.apiserver.authorization.webhookServer -}}
{{ .Values.apiserver.authorization.webhookServer }}
{{- else -}}
{{ regexReplaceAll "/authenticate(/[^/]*)?$" (include "daas-auth.authnServer" .) "/authorize" }}
{{- end -}}
{{- end -}}

{{/*
kube-apiserver's --authorization-config: daas-auth's webhook first (only for daas-auth identities, never
cached, NoOpinion when unreachable), then Node, then RBAC. hack/lib/components.ts authorizationConfiguration
writes the same for the test bed and the local stack (test/e2e/chart-render.test.ts keeps them equal).
*/}}
{{- define "daas-auth.authorizationConfiguration" -}}
apiVersion: apiserver.config.k8s.io/v1
kind: AuthorizationConfiguration
authorizers:
  - type: Webhook
    name: daas-auth
    webhook:
      timeout: {{ .Values.apiserver.authorization.timeout }}
      subjectAccessReviewVersion: v1
      matchConditionSubjectAccessReviewVersion: v1
      failurePolicy: NoOpinion
      cacheAuthorizedRequests: false
      cacheUnauthorizedRequests: false
      # Unused while caching is off, but validation requires them > 0.
      authorizedTTL: 1s
      unauthorizedTTL: 1s
      connectionInfo:
        type: KubeConfigFile
        kubeConfigFile: {{ .Values.apiserver.authorization.kubeConfigFile }}
      matchConditions:
        - expression: "has(request.extra) && 'daas.io/stake-record' in request.extra"
  - type: Node
    name: node
  - type: RBAC
    name: rbac
{{- end -}}

{{/* The serving certificate's DNS names. */}}
{{- define "daas-auth.dnsNames" -}}
{{- $svc := include "daas-auth.webhookName" . -}}
{{- $names := list $svc (printf "%s.%s" $svc .Release.Namespace) (include "daas-auth.serviceHost" .) (printf "%s.cluster.local" (include "daas-auth.serviceHost" .)) "localhost" -}}
{{- toJson (concat $names .Values.tls.extraDnsNames) -}}
{{- end -}}

{{- define "daas-auth.ipAddresses" -}}
{{- toJson (concat (list "127.0.0.1") .Values.tls.extraIpAddresses) -}}
{{- end -}}

{{/*
The webhook's TLS material in tls.mode self, as YAML {caCert, cert, key, clientCert, clientKey}.
Generated once: on upgrade the live Secrets are read back through lookup and reused, so the CA, the serving
certificate and kube-apiserver's client certificate survive every upgrade (a new CA per upgrade would break
the apiserver's token webhook kubeconfig, which lives on the control-plane nodes). `helm template` has no
cluster, so it renders fresh ones every time. Include this once per render (webhook-tls.yaml). The CA key
is never stored: renewing means deleting the two Secrets and upgrading (docs/install.md).
*/}}
{{- define "daas-auth.selfTls" -}}
{{- $tls := lookup "v1" "Secret" .Release.Namespace (include "daas-auth.tlsSecretName" .) -}}
{{- $client := lookup "v1" "Secret" .Release.Namespace (include "daas-auth.authnKubeconfigSecretName" .) -}}
{{- $tlsData := dig "data" dict ($tls | default dict) -}}
{{- $clientData := dig "data" dict ($client | default dict) -}}
{{- if and (index $tlsData "ca.crt") (index $tlsData "tls.crt") (index $tlsData "tls.key") (index $clientData "client.crt") (index $clientData "client.key") -}}
caCert: {{ index $tlsData "ca.crt" | b64dec | quote }}
cert: {{ index $tlsData "tls.crt" | b64dec | quote }}
key: {{ index $tlsData "tls.key" | b64dec | quote }}
clientCert: {{ index $clientData "client.crt" | b64dec | quote }}
clientKey: {{ index $clientData "client.key" | b64dec | quote }}
{{- else -}}
{{- $days := int .Values.tls.self.validityDays -}}
{{- $caObj := genCA (printf "%s-webhook-ca" (include "daas-auth.fullname" .)) $days -}}
{{- $serving := genSignedCert (include "daas-auth.serviceHost" .) (fromJsonArray (include "daas-auth.ipAddresses" .)) (fromJsonArray (include "daas-auth.dnsNames" .)) $days $caObj -}}
{{- $clientObj := genSignedCert "kube-apiserver" nil nil $days $caObj -}}
caCert: {{ $caObj.Cert | quote }}
cert: {{ $serving.Cert | quote }}
key: {{ $serving.Key | quote }}
clientCert: {{ $clientObj.Cert | quote }}
clientKey: {{ $clientObj.Key | quote }}
{{- end -}}
{{- end -}}

{{/* PEM of the CA kube-apiserver trusts for the webhook; "" when cert-manager injects it. */}}
{{- define "daas-auth.caBundlePem" -}}
{{- if eq .tlsMode "self" -}}{{ .tls.caCert }}{{- else if eq .tlsMode "external" -}}{{ .root.Values.tls.external.caBundle }}{{- end -}}
{{- end -}}

{{/*
serve's configuration file for one component (call with (dict "root" $ "component" "webhook"|"controller")).
The one place the chart maps values to src/config/schema.ts keys: a new config key is one line here.
Paths are relative to the config file (serve resolves them from its directory): config in
/etc/daas-auth/config, TLS in /etc/daas-auth/tls, the client CA in /etc/daas-auth/client-ca.
*/}}
{{- define "daas-auth.serveConfig" -}}
{{- $v := .root.Values -}}
{{- $webhook := eq .component "webhook" -}}
{{- $network := dict "name" $v.network.name "timeout" $v.network.timeout "eventPollMs" (int $v.network.eventPollMs) -}}
{{- with $v.network.endpoints }}{{ $_ := set $network "endpoints" . }}{{ end -}}
{{- with $v.network.packageId }}{{ $_ := set $network "packageId" . }}{{ end -}}
{{- with $v.network.poolId }}{{ $_ := set $network "poolId" . }}{{ end -}}
{{- $server := dict "port" (int $v.webhook.port) "tlsCertFile" "../tls/tls.crt" "tlsKeyFile" "../tls/tls.key" "shutdownDelay" $v.webhook.shutdownDelay -}}
{{- /* serve answers webhook paths only to kube-apiserver's client certificate, also in the controller's pod
       (it serves the same paths); apiserver.mtls=false is the operator's explicit opt-out. */ -}}
{{- if $v.apiserver.mtls }}{{ $_ := set $server "clientCaFile" "../client-ca/ca.crt" }}{{ else }}{{ $_ := set $server "insecureNoClientCert" true }}{{ end -}}
{{- $config := dict
  "network" $network
  "clusters" $v.clusters
  "token" $v.token
  "cache" (dict "ttl" $v.cache.ttl "maxEntries" (int $v.cache.maxEntries))
  "server" $server
  "kubernetes" (dict "watchBindings" $webhook)
  "log" (dict "level" $v.logLevel)
  "admission" (dict "enabled" (and $webhook $v.admission.enabled) "exemptNodeNames" $v.admission.exemptNodeNames "exemptNodeLabels" $v.admission.exemptNodeLabels)
  "controller" (dict "enabled" (and (not $webhook) $v.controller.enabled) "leaseNamespace" .root.Release.Namespace "leaseName" $v.controller.leaseName "resync" $v.controller.resync "expiringWithinEpochs" (int $v.controller.expiringWithinEpochs))
  "mode" (ternary "webhook" "controller" $webhook)
-}}
{{- with $v.tiers }}{{ $_ := set $config "tiers" . }}{{ end -}}
{{- toPrettyJson $config -}}
{{- end -}}

{{/* The restricted Pod Security profile, for every pod and container of the chart. */}}
{{- define "daas-auth.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "daas-auth.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Capability gates: "auto" renders only when the API is served; true/false force it. */}}
{{- define "daas-auth.wantMonitoring" -}}
{{- $enabled := .enabled | toString -}}
{{- if or (eq $enabled "true") (and (eq $enabled "auto") (.root.Capabilities.APIVersions.Has .api)) -}}true{{- end -}}
{{- end -}}

{{/*
The pod template of a component: (dict "root" $ "component" "webhook"|"controller" "cfg" <component values>).
Config from the component's ConfigMap, TLS from the serving Secret, the client CA when mTLS is on; the
container runs `daas-auth --config ... serve` as uid 65532 with a read-only root filesystem.
*/}}
{{- define "daas-auth.podTemplate" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $webhook := eq .component "webhook" -}}
{{- $hostNetwork := and $webhook (eq $v.webhook.mode "daemonset") -}}
{{- $name := ternary (include "daas-auth.webhookName" $root) (include "daas-auth.controllerName" $root) $webhook -}}
metadata:
  labels:
    {{- include "daas-auth.selectorLabels" (dict "root" $root "component" .component) | nindent 4 }}
  annotations:
    checksum/config: {{ include "daas-auth.serveConfig" (dict "root" $root "component" .component) | sha256sum }}
    {{- with .cfg.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ $name }}
  automountServiceAccountToken: true
  enableServiceLinks: false
  {{- if $hostNetwork }}
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  {{- end }}
  {{- with .cfg.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with $v.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- include "daas-auth.podSecurityContext" $root | nindent 4 }}
  containers:
    - name: {{ .component }}
      image: {{ include "daas-auth.image" $root }}
      imagePullPolicy: {{ $v.image.pullPolicy }}
      args: ["--config", "/etc/daas-auth/config/config.json", "serve"]
      env:
        {{- if $hostNetwork }}
        - name: DAAS_HOST
          value: {{ $v.webhook.daemonsetBindAddress | quote }}
        {{- else }}
        # serve listens on the pod's own address only.
        - name: DAAS_HOST
          valueFrom:
            fieldRef:
              fieldPath: status.podIP
        {{- end }}
        {{- if eq .component "controller" }}
        # The controller evicts its own pod last when it drains the node it runs on.
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: DAAS_CONTROLLER_POD
          value: "$(POD_NAMESPACE)/$(POD_NAME)"
        {{- end }}
      ports:
        - name: https
          containerPort: {{ $v.webhook.port }}
          protocol: TCP
      livenessProbe:
        httpGet: { path: /healthz, port: https, scheme: HTTPS }
        periodSeconds: 10
        failureThreshold: 3
      readinessProbe:
        httpGet: { path: /readyz, port: https, scheme: HTTPS }
        periodSeconds: 5
        failureThreshold: 2
      securityContext:
        {{- include "daas-auth.containerSecurityContext" $root | nindent 8 }}
      resources:
        {{- toYaml .cfg.resources | nindent 8 }}
      volumeMounts:
        - { name: config, mountPath: /etc/daas-auth/config, readOnly: true }
        - { name: tls, mountPath: /etc/daas-auth/tls, readOnly: true }
        {{- if $v.apiserver.mtls }}
        - { name: client-ca, mountPath: /etc/daas-auth/client-ca, readOnly: true }
        {{- end }}
        - { name: tmp, mountPath: /tmp }
  volumes:
    - name: config
      configMap:
        name: {{ $name }}
    - name: tls
      secret:
        secretName: {{ include "daas-auth.tlsSecretName" $root }}
        items:
          - { key: tls.crt, path: tls.crt }
          - { key: tls.key, path: tls.key }
    {{- if $v.apiserver.mtls }}
    - name: client-ca
      secret:
        secretName: {{ include "daas-auth.clientCaSecretName" $root }}
        items:
          - { key: ca.crt, path: ca.crt }
    {{- end }}
    - name: tmp
      emptyDir: { medium: Memory, sizeLimit: 16Mi }
  {{- with .cfg.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .cfg.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .cfg.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* Secret holding ca.crt of kube-apiserver's client certificates. */}}
{{- define "daas-auth.clientCaSecretName" -}}
{{- if eq .Values.tls.mode "external" -}}{{ required "tls.external.clientCaSecret is needed when apiserver.mtls is on" .Values.tls.external.clientCaSecret }}
{{- else if eq .Values.tls.mode "cert-manager" -}}{{ include "daas-auth.certManagerCaSecretName" . }}
{{- else -}}{{ include "daas-auth.tlsSecretName" . }}{{- end -}}
{{- end -}}
