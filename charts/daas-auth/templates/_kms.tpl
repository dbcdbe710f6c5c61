{{/* KMS v2 plugin (issue 13, docs/kms.md "Production"): names and the EncryptionConfiguration. */}}
{{- define "daas-auth.kmsName" -}}{{ include "daas-auth.fullname" . }}-kms{{- end -}}
{{- define "daas-auth.kmsSocket" -}}{{ .Values.kms.socketDir }}/kms.sock{{- end -}}

{{/*
What kube-apiserver reads from --encryption-provider-config: Secrets through the plugin, identity second so
Secrets written before encryption still read. The same object as hack/lib/kms.ts encryptionConfiguration().
*/}}
{{- define "daas-auth.kmsEncryptionConfig" -}}
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - kms:
          apiVersion: v2
          name: {{ .Values.kms.providerName }}
          endpoint: unix://{{ include "daas-auth.kmsSocket" . }}
          timeout: {{ .Values.kms.timeout }}
      - identity: {}
{{- end -}}

{{/* The one container of the plugin pod: the plugin itself (file) or the vsock relay to it (enclave). */}}
{{- define "daas-auth.kmsContainer" -}}
{{- $k := .Values.kms -}}
{{- if eq $k.backend "file" }}
- name: kms
  image: {{ include "daas-auth.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    - kms
    - --socket
    - {{ include "daas-auth.kmsSocket" . }}
    - --kek-file
    - /etc/daas-kms/keyring.json
    - --metrics-port
    - {{ $k.file.metricsPort | quote }}
    - --metrics-host
    - $(POD_IP)
  env:
    - name: POD_IP
      valueFrom:
        fieldRef:
          fieldPath: status.podIP
  ports:
    - { name: metrics, containerPort: {{ $k.file.metricsPort }}, protocol: TCP }
  volumeMounts:
    - { name: socket, mountPath: {{ $k.socketDir }} }
    - { name: keyring, mountPath: /etc/daas-kms, readOnly: true }
    - { name: tmp, mountPath: /tmp }
{{- else }}
- name: kms-relay
  image: {{ $k.enclave.relayImage }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command:
    - socat
    - UNIX-LISTEN:{{ include "daas-auth.kmsSocket" . }},fork,mode=600,unlink-early
    - VSOCK-CONNECT:{{ int64 $k.enclave.cid }}:{{ int $k.enclave.port }}
  volumeMounts:
    - { name: socket, mountPath: {{ $k.socketDir }} }
{{- end }}
  securityContext:
    # The socket is 0600 and kube-apiserver connects as root.
    runAsUser: 0
    runAsNonRoot: false
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities:
      drop: [ALL]
  resources:
    {{- toYaml $k.resources | nindent 4 }}
{{- end -}}
