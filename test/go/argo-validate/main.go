// argo-validate runs Argo Workflows' own validation package (the code behind `argo lint --offline`) over YAML
// files and prints one JSON line per Argo document: {"file","kind","name","ordinal","valid","error"}.
// WorkflowTemplates and ClusterWorkflowTemplates found in any of the files resolve templateRefs and
// workflowTemplateRefs, like `argo lint --offline` does. `ordinal` counts the documents of the same file, kind
// and name, so a caller can match results to its own document list whatever its YAML splitter does.
// Fields are decoded leniently: unknown fields are layer 1's business (the JSON schema of the version linted),
// and this module may be older than that version.
// Usage: argo-validate FILE...
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/argoproj/argo-workflows/v4/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v4/util/logging"
	"github.com/argoproj/argo-workflows/v4/workflow/common"
	"github.com/argoproj/argo-workflows/v4/workflow/validate"
)

type result struct {
	File    string `json:"file"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Ordinal int    `json:"ordinal"`
	Valid   bool   `json:"valid"`
	Error   string `json:"error,omitempty"`
}

type document struct {
	file     string
	object   any
	parseErr error
}

type workflowTemplates map[string]*v1alpha1.WorkflowTemplate

func (m workflowTemplates) Get(_ context.Context, name string) (*v1alpha1.WorkflowTemplate, error) {
	if t, ok := m[name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("couldn't find workflow template %q among the files given", name)
}

type clusterWorkflowTemplates map[string]*v1alpha1.ClusterWorkflowTemplate

func (m clusterWorkflowTemplates) Get(_ context.Context, name string) (*v1alpha1.ClusterWorkflowTemplate, error) {
	if t, ok := m[name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("couldn't find cluster workflow template %q among the files given", name)
}

func nameOf(o interface {
	GetName() string
	GetGenerateName() string
}) string {
	if o.GetName() != "" {
		return o.GetName()
	}
	return o.GetGenerateName()
}

func main() {
	logger := logging.NewSlogLoggerCustom(logging.Error, logging.Text, io.Discard)
	ctx := logging.WithLogger(context.Background(), logger)

	var docs []document
	wfts := workflowTemplates{}
	cwfts := clusterWorkflowTemplates{}
	for _, file := range os.Args[1:] {
		body, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "argo-validate: %v\n", err)
			os.Exit(2)
		}
		for _, parsed := range common.ParseObjects(ctx, body, false) {
			docs = append(docs, document{file: file, object: parsed.Object, parseErr: parsed.Err})
			switch o := parsed.Object.(type) {
			case *v1alpha1.WorkflowTemplate:
				wfts[o.Name] = o
			case *v1alpha1.ClusterWorkflowTemplate:
				cwfts[o.Name] = o
			}
		}
	}

	out := json.NewEncoder(os.Stdout)
	ordinals := map[string]int{}
	lint := validate.ValidateOpts{Lint: true}
	for _, d := range docs {
		var r result
		var err error
		switch o := d.object.(type) {
		case *v1alpha1.Workflow:
			r = result{Kind: "Workflow", Name: nameOf(o)}
			err = validate.ValidateWorkflow(ctx, wfts, cwfts, o, nil, lint)
		case *v1alpha1.WorkflowTemplate:
			r = result{Kind: "WorkflowTemplate", Name: nameOf(o)}
			err = validate.ValidateWorkflowTemplate(ctx, wfts, cwfts, o, nil, lint)
		case *v1alpha1.ClusterWorkflowTemplate:
			r = result{Kind: "ClusterWorkflowTemplate", Name: nameOf(o)}
			err = validate.ValidateClusterWorkflowTemplate(ctx, wfts, cwfts, o, nil, lint)
		case *v1alpha1.CronWorkflow:
			r = result{Kind: "CronWorkflow", Name: nameOf(o)}
			err = validate.ValidateCronWorkflow(ctx, wfts, cwfts, o, nil)
		default:
			continue // not one of the kinds we lint
		}
		if d.parseErr != nil {
			err = d.parseErr
		}
		r.File = d.file
		key := r.File + "\x00" + r.Kind + "\x00" + r.Name
		r.Ordinal = ordinals[key]
		ordinals[key]++
		r.Valid = err == nil
		if err != nil {
			r.Error = err.Error()
		}
		if encErr := out.Encode(r); encErr != nil {
			fmt.Fprintf(os.Stderr, "argo-validate: %v\n", encErr)
			os.Exit(2)
		}
	}
}
