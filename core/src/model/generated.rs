//! Models generated from ONNX (by `retort-onnx-gen`, with burn-onnx) live in their own crates
//! that hosts compile in by cargo feature. Their weights travel in an ordinary bundle whose
//! metadata names the generated model; a host loads such a bundle only with that model's
//! loader, and says which ones it has when it lacks it.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::erased::BoxedModel;
use crate::bundle::Bundle;
use crate::error::{Error, Result};

/// What a bundle records about the generated model its tensors belong to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeneratedModelRef {
    /// e.g. "annalog-onnx"; also the host's cargo feature suffix (`onnx-annalog`).
    pub name: String,
    /// sha256 of encoder.onnx followed by decoder_step.onnx: the graphs the code was
    /// generated from. A loader refuses tensors made for other graphs.
    pub graph_sha256: String,
    /// e.g. "retort-onnx-gen 0.1.0 (burn-onnx 0.22.0)"
    pub generator: String,
    /// Tensors that are integer constants in the generated module (stored as exact f32).
    #[serde(default)]
    pub int_tensors: Vec<String>,
    /// Small constants (e.g. an attention scale) whose exact f32 values a float16 bundle
    /// cannot hold; these values replace the stored ones. Rounding a weight to f16 is the
    /// storage's known loss; rounding a scale that multiplies logits of 1e6 is not.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub exact_constants: std::collections::BTreeMap<String, Vec<f32>>,
}

/// A generated model compiled into this host.
pub trait GeneratedModelLoader: Sync {
    fn name(&self) -> &'static str;
    fn graph_sha256(&self) -> &'static str;
    /// Builds the model from a bundle made for it.
    fn load(&self, bundle: &Bundle) -> Result<BoxedModel>;
}

/// Finds the loader a bundle needs among those a host was built with.
pub fn find_loader<'a>(
    wanted: &GeneratedModelRef,
    available: &[&'a dyn GeneratedModelLoader],
) -> Result<&'a dyn GeneratedModelLoader> {
    let names: Vec<&str> = available.iter().map(|l| l.name()).collect();
    let loader = available.iter().find(|l| l.name() == wanted.name).ok_or_else(|| {
        Error::InvalidBundle(format!(
            "this bundle needs the ONNX-generated model '{}', which this build does not include \
             (built with: {}); rebuild the host with that model's feature",
            wanted.name,
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        ))
    })?;
    if loader.graph_sha256() != wanted.graph_sha256 {
        return Err(Error::InvalidBundle(format!(
            "bundle for '{}' was made from other ONNX graphs (sha256 {}) than this build's ({})",
            wanted.name,
            wanted.graph_sha256,
            loader.graph_sha256()
        )));
    }
    Ok(*loader)
}

/// Sets every parameter of a generated module from the bundle tensors named
/// `{prefix}.{parameter path}`; a missing, misshapen or left-over tensor is an error naming it.
pub fn load_params<M: Module>(module: M, bundle: &Bundle, prefix: &str, device: &Device) -> Result<M> {
    let ints: std::collections::HashSet<&str> =
        bundle.meta.generated.as_ref().map(|g| g.int_tensors.iter().map(String::as_str).collect()).unwrap_or_default();
    let wanted: HashMap<String, &crate::bundle::TensorData> = bundle
        .tensors
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.strip_prefix('.')?.to_string(), v)))
        .collect();
    let exact = bundle.meta.generated.as_ref().map(|g| &g.exact_constants);
    let mut mapper = ParamLoader { prefix, wanted, ints, exact, path: Vec::new(), used: 0, error: None, device };
    let module = module.map(&mut mapper);
    if let Some(e) = mapper.error {
        return Err(e);
    }
    if mapper.used != mapper.wanted.len() {
        return Err(Error::InvalidBundle(format!(
            "bundle has {} '{prefix}' tensors, the generated module uses {}",
            mapper.wanted.len(),
            mapper.used
        )));
    }
    Ok(module)
}

struct ParamLoader<'a> {
    prefix: &'a str,
    wanted: HashMap<String, &'a crate::bundle::TensorData>,
    ints: std::collections::HashSet<&'a str>,
    exact: Option<&'a std::collections::BTreeMap<String, Vec<f32>>>,
    path: Vec<String>,
    used: usize,
    error: Option<Error>,
    device: &'a Device,
}

impl ParamLoader<'_> {
    /// The bundle tensor for the parameter at the current path, checked against its shape.
    fn take(&mut self, field_shape: Vec<usize>) -> Option<(String, Vec<f32>)> {
        if self.error.is_some() {
            return None;
        }
        let path = self.path.join(".");
        let full = format!("{}.{path}", self.prefix);
        match self.wanted.get(&path) {
            None => {
                self.error = Some(Error::Tensor { name: full, problem: "missing from the bundle".into() });
                None
            }
            Some(t) if t.shape != field_shape => {
                self.error = Some(Error::Tensor {
                    name: full,
                    problem: format!("has shape {:?}, the generated model needs {field_shape:?}", t.shape),
                });
                None
            }
            Some(t) => {
                self.used += 1;
                match self.exact.and_then(|e| e.get(&full)) {
                    Some(v) if v.len() == t.len() => Some((full, v.clone())),
                    Some(v) => {
                        let problem = format!("has {} exact values for {} stored ones", v.len(), t.len());
                        self.error = Some(Error::Tensor { name: full, problem });
                        None
                    }
                    None => Some((full, t.values().into_owned())),
                }
            }
        }
    }
}

impl ModuleMapper for ParamLoader<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let shape: Vec<usize> = param.lazy_shape().iter().copied().collect();
        match self.take(shape.clone()) {
            Some((_, data)) => {
                let t = Tensor::from_data(TensorData::new(data, shape), self.device);
                let id = param.id;
                param.transform_for_load(t, id)
            }
            None => param,
        }
    }

    fn map_int<const D: usize>(&mut self, param: Param<Tensor<D, Int>>) -> Param<Tensor<D, Int>> {
        let shape: Vec<usize> = param.lazy_shape().iter().copied().collect();
        match self.take(shape.clone()) {
            Some((name, data)) => {
                if !self.ints.contains(name.as_str()) {
                    self.error = Some(Error::Tensor {
                        name,
                        problem: "is an integer constant the bundle does not mark as one".into(),
                    });
                    return param;
                }
                let v: Vec<i64> = data.iter().map(|&x| x as i64).collect();
                let t = Tensor::from_data(TensorData::new(v, shape), self.device);
                let id = param.id;
                param.transform_for_load(t, id)
            }
            None => param,
        }
    }
}
