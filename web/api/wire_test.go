package api_test

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The API's wire types are its own (payload*.go): every answer it writes
// and every body it reads is a type of package api, made of basic values,
// times, scalar vocabularies of the domain (a route, a state: types with no
// fields, so no tag to rename) and other types of package api. A domain,
// app or store struct serialized as it is would let a tag renamed there
// change the API without anyone seeing; this test fails instead. The one
// exception is the protocol document (protocol.Protocol), the protocol's
// own versioned format, served as it is saved.

const apiPkg = "github.com/ketaflow/ketaflow/web/api"

// wireExceptions are types of other packages that may be serialized whole.
var wireExceptions = []string{"github.com/ketaflow/ketaflow/protocol.Protocol"}

func TestAnswersAndBodiesAreTheAPIsOwnTypes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("type-checks the package: not in -short")
	}
	pkg, info, files, fset, imp := typeCheckAPI(t)
	enc, err := imp.Import("encoding")
	if err != nil {
		t.Fatal(err)
	}
	textMarshaler := enc.Scope().Lookup("TextMarshaler").Type().Underlying().(*types.Interface)

	checked := map[types.Type]bool{}
	var check func(where string, typ types.Type, path string)
	check = func(where string, typ types.Type, path string) {
		if checked[typ] {
			return
		}
		checked[typ] = true
		switch x := typ.(type) {
		case *types.Basic, *types.Interface, *types.Signature:
			return
		case *types.Pointer:
			check(where, x.Elem(), path)
			return
		case *types.Slice:
			check(where, x.Elem(), path+"[]")
			return
		case *types.Map:
			check(where, x.Key(), path+"{key}")
			check(where, x.Elem(), path+"{}")
			return
		case *types.Struct:
			for i := range x.NumFields() {
				f := x.Field(i)
				if !f.Exported() && !f.Embedded() {
					continue
				}
				check(where, f.Type(), path+"."+f.Name())
			}
			return
		case *types.Named:
			obj := x.Obj()
			name := obj.Name()
			if obj.Pkg() != nil {
				name = obj.Pkg().Path() + "." + obj.Name()
			}
			switch {
			case obj.Pkg() == nil || obj.Pkg().Path() == "time" && obj.Name() == "Time" ||
				obj.Pkg().Path() == "encoding/json" && obj.Name() == "RawMessage":
				return
			case obj.Pkg() == pkg:
				check(where, x.Underlying(), path)
				return
			case slices.Contains(wireExceptions, name):
				return
			}
			switch u := x.Underlying().(type) {
			case *types.Basic:
				return // a scalar vocabulary: visits.State, protocol.Route, ...
			case *types.Struct:
				// A value with its own text form (ketaflow.Date) is a
				// scalar too: it has no tags.
				if types.Implements(x, textMarshaler) || types.Implements(types.NewPointer(x), textMarshaler) {
					return
				}
				t.Errorf("%s: %s is %s, a struct of another package: map it to a type of package api", where, "the value"+path, name)
			case *types.Slice, *types.Map:
				check(where, u, path)
			default:
				t.Errorf("%s: %s is %s", where, "the value"+path, name)
			}
		}
	}

	for _, file := range files {
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			pos := fset.Position(call.Pos())
			where := fmt.Sprintf("%s:%d", filepath.Base(pos.Filename), pos.Line)
			fn, targs := callee(info, call)
			if fn == nil {
				return true
			}
			switch {
			case fn.Pkg() != nil && fn.Pkg().Path() == "github.com/ketaflow/ketaflow/web" && fn.Name() == "WriteJSON":
				check(where+" answer", info.TypeOf(call.Args[2]), "")
			case fn.Pkg() == pkg && (fn.Name() == "decodeJSON" || fn.Name() == "decodeOptionalJSON"):
				check(where+" body", info.TypeOf(call.Args[1]), "")
			case fn.Pkg() == pkg && fn.Name() == "decodeStrict":
				check(where+" body", info.TypeOf(call.Args[1]), "")
			case fn.Pkg() == pkg && (fn.Name() == "authorizedBody" || fn.Name() == "authorizedOptionalBody"):
				for i := range targs.Len() {
					check(where+" body", targs.At(i), "")
				}
			}
			return true
		})
	}
	if len(checked) == 0 {
		t.Fatal("no answer or body was found: the test no longer sees the handlers")
	}
}

// callee is the function a call calls, with its type arguments.
func callee(info *types.Info, call *ast.CallExpr) (*types.Func, *types.TypeList) {
	fun := call.Fun
	if ix, ok := fun.(*ast.IndexExpr); ok {
		fun = ix.X
	}
	if ix, ok := fun.(*ast.IndexListExpr); ok {
		fun = ix.X
	}
	var id *ast.Ident
	switch f := fun.(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	default:
		return nil, nil
	}
	fn, _ := info.Uses[id].(*types.Func)
	return fn, info.Instances[id].TypeArgs
}

// typeCheckAPI type-checks the package's non-test files against the
// export data of its dependencies, which the go command builds (cached).
func typeCheckAPI(t *testing.T) (*types.Package, *types.Info, []*ast.File, *token.FileSet, types.Importer) {
	t.Helper()
	out, err := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	exports := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if path, file, ok := strings.Cut(sc.Text(), "\t"); ok {
			exports[path] = file
		}
	}
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) { return os.Open(exports[path]) })
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{},
		Instances: map[*ast.Ident]types.Instance{}}
	pkg, err := (&types.Config{Importer: imp}).Check(apiPkg, fset, files, info)
	if err != nil {
		t.Fatalf("type-check %s: %v", apiPkg, err)
	}
	return pkg, info, files, fset, imp
}
