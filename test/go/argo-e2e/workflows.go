package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
)

// Parameter is a workflow argument; a slice keeps the order the caller gives.
type Parameter struct{ Name, Value string }

// DecodeYAML splits a multi-document YAML stream into objects, skipping empty documents.
func DecodeYAML(data []byte) ([]*unstructured.Unstructured, error) {
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objects []*unstructured.Unstructured
	for {
		obj := map[string]any{}
		if err := decoder.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return objects, nil
			}
			return nil, err
		}
		if len(obj) > 0 {
			objects = append(objects, &unstructured.Unstructured{Object: obj})
		}
	}
}

func (c *Cluster) resourceFor(ctx context.Context, obj *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(c.Kube.Discovery()))
	gvk := obj.GroupVersionKind()
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", gvk.Kind, obj.GetName(), err)
	}
	if mapping.Scope.Name() == "namespace" {
		if obj.GetNamespace() == "" {
			obj.SetNamespace(c.Namespace)
		}
		if err := c.ensureNamespace(ctx, obj.GetNamespace()); err != nil {
			return nil, err
		}
		return c.Dynamic.Resource(mapping.Resource).Namespace(obj.GetNamespace()), nil
	}
	return c.Dynamic.Resource(mapping.Resource), nil
}

// Create creates one object (namespaced objects default to the cluster's namespace) and returns the API server's
// error unchanged, so callers can assert on validation messages. dryRun asks for server-side validation only.
func (c *Cluster) Create(ctx context.Context, obj *unstructured.Unstructured, dryRun bool) (*unstructured.Unstructured, error) {
	resource, err := c.resourceFor(ctx, obj)
	if err != nil {
		return nil, err
	}
	opts := metav1.CreateOptions{}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return resource.Create(ctx, obj, opts)
}

// Apply creates or updates (server-side apply) every document of a YAML stream; documents with only
// generateName are created. It returns the objects as stored.
func (c *Cluster) Apply(ctx context.Context, data []byte) ([]*unstructured.Unstructured, error) {
	objects, err := DecodeYAML(data)
	if err != nil {
		return nil, err
	}
	var stored []*unstructured.Unstructured
	for _, obj := range objects {
		resource, err := c.resourceFor(ctx, obj)
		if err != nil {
			return stored, err
		}
		var result *unstructured.Unstructured
		if obj.GetName() == "" {
			result, err = resource.Create(ctx, obj, metav1.CreateOptions{})
		} else {
			result, err = resource.Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: "argo-e2e", Force: true})
		}
		if err != nil {
			return stored, fmt.Errorf("%s %s%s: %w", obj.GetKind(), obj.GetName(), obj.GetGenerateName(), err)
		}
		stored = append(stored, result)
	}
	return stored, nil
}

// ApplyFile applies every document of a YAML file (WorkflowTemplates, ConfigMaps, ...), or of every *.yaml
// file of a directory, in name order.
func (c *Cluster) ApplyFile(ctx context.Context, path string) ([]*unstructured.Unstructured, error) {
	files := []string{path}
	if info, err := os.Stat(path); err != nil {
		return nil, err
	} else if info.IsDir() {
		if files, err = filepath.Glob(filepath.Join(path, "*.yaml")); err != nil {
			return nil, err
		}
		sort.Strings(files)
	}
	var all []*unstructured.Unstructured
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return all, err
		}
		objects, err := c.Apply(ctx, data)
		all = append(all, objects...)
		if err != nil {
			return all, fmt.Errorf("%s: %w", file, err)
		}
	}
	return all, nil
}

// ensureNamespace creates a namespace the first time an object needs it (there is no namespace controller).
func (c *Cluster) ensureNamespace(ctx context.Context, name string) error {
	if name == "" {
		return nil
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := c.Kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("namespace %s: %w", name, err)
	}
	return nil
}

func argumentsOf(params []Parameter) map[string]any {
	list := make([]any, 0, len(params))
	for _, p := range params {
		list = append(list, map[string]any{"name": p.Name, "value": p.Value})
	}
	return map[string]any{"parameters": list}
}

// SubmitFromTemplate creates a Workflow that runs WorkflowTemplate `template` with the given parameters and
// returns the Workflow's name.
func (c *Cluster) SubmitFromTemplate(ctx context.Context, template string, params []Parameter) (string, error) {
	wf := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1",
		"kind":       "Workflow",
		"metadata":   map[string]any{"generateName": template + "-", "namespace": c.Namespace},
		"spec": map[string]any{
			"workflowTemplateRef": map[string]any{"name": template},
			"arguments":           argumentsOf(params),
		},
	}}
	created, err := c.Create(ctx, wf, false)
	if err != nil {
		return "", fmt.Errorf("submit workflow from template %s: %w", template, err)
	}
	return created.GetName(), nil
}

// SubmitWorkflow creates a Workflow, setting (or overriding) the given arguments, and returns its name.
func (c *Cluster) SubmitWorkflow(ctx context.Context, wf *unstructured.Unstructured, params []Parameter) (string, error) {
	wf = wf.DeepCopy()
	if len(params) > 0 {
		existing, _, _ := unstructured.NestedSlice(wf.Object, "spec", "arguments", "parameters")
		merged := mergeParameters(existing, params)
		if err := unstructured.SetNestedSlice(wf.Object, merged, "spec", "arguments", "parameters"); err != nil {
			return "", err
		}
	}
	created, err := c.Create(ctx, wf, false)
	if err != nil {
		return "", fmt.Errorf("submit workflow %s%s: %w", wf.GetName(), wf.GetGenerateName(), err)
	}
	return created.GetName(), nil
}

func mergeParameters(existing []any, params []Parameter) []any {
	values := map[string]string{}
	for _, p := range params {
		values[p.Name] = p.Value
	}
	var merged []any
	for _, item := range existing {
		p, _ := item.(map[string]any)
		name, _ := p["name"].(string)
		if value, ok := values[name]; ok {
			p = map[string]any{"name": name, "value": value}
			delete(values, name)
		}
		merged = append(merged, p)
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		merged = append(merged, map[string]any{"name": name, "value": values[name]})
	}
	return merged
}

// WaitWorkflow polls until the Workflow reaches Succeeded, Failed or Error and returns it.
func (c *Cluster) WaitWorkflow(ctx context.Context, name string, timeout time.Duration) (*unstructured.Unstructured, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	workflows := c.Dynamic.Resource(workflowsGVR).Namespace(c.Namespace)
	for {
		wf, err := workflows.Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			switch phase := WorkflowPhase(wf); phase {
			case "Succeeded", "Failed", "Error":
				return wf, nil
			}
		}
		select {
		case <-ctx.Done():
			if wf != nil {
				return wf, fmt.Errorf("workflow %s still %q after %s", name, WorkflowPhase(wf), timeout)
			}
			return nil, fmt.Errorf("workflow %s: %w", name, ctx.Err())
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// RunTemplateFile is the one call an end-to-end test of a rendered template needs: apply every document of
// path (a YAML file or a directory of them, e.g. workflows/), submit a Workflow referencing WorkflowTemplate
// `template` with `params`, and wait for it to finish.
func (c *Cluster) RunTemplateFile(ctx context.Context, path, template string, params []Parameter, timeout time.Duration) (*unstructured.Unstructured, error) {
	if _, err := c.ApplyFile(ctx, path); err != nil {
		return nil, err
	}
	name, err := c.SubmitFromTemplate(ctx, template, params)
	if err != nil {
		return nil, err
	}
	return c.WaitWorkflow(ctx, name, timeout)
}

// WorkflowPhase returns status.phase ("" while the controller has not seen the workflow).
func WorkflowPhase(wf *unstructured.Unstructured) string {
	phase, _, _ := unstructured.NestedString(wf.Object, "status", "phase")
	return phase
}

// NodeStatus is the part of status.nodes[*] the checks look at.
type NodeStatus struct {
	ID, Name, DisplayName, Type, Phase, Message, TemplateName string
	Outputs                                                   map[string]any
}

// Nodes returns status.nodes.
func Nodes(wf *unstructured.Unstructured) []NodeStatus {
	raw, _, _ := unstructured.NestedMap(wf.Object, "status", "nodes")
	var nodes []NodeStatus
	for id, value := range raw {
		n, _ := value.(map[string]any)
		str := func(key string) string { s, _ := n[key].(string); return s }
		outputs, _ := n["outputs"].(map[string]any)
		nodes = append(nodes, NodeStatus{ID: id, Name: str("name"), DisplayName: str("displayName"), Type: str("type"),
			Phase: str("phase"), Message: str("message"), TemplateName: str("templateName"), Outputs: outputs})
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	return nodes
}

// OutputParameter returns a node's output parameter value.
func (n NodeStatus) OutputParameter(name string) (string, bool) {
	params, _ := n.Outputs["parameters"].([]any)
	for _, item := range params {
		p, _ := item.(map[string]any)
		if p["name"] == name {
			value, ok := p["value"].(string)
			return value, ok
		}
	}
	return "", false
}
