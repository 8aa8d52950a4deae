"""The pieces' contract, clause by clause: the check that enforces each, and the versions that prove it.

``CONTRACT`` holds, for every piece, every sentence of its section of
``shared/design/pieces.md`` (the signature line first), word for word. Each
sentence holds one or more ``Clause`` rows: the words of the sentence the row
is about (``quote``), the check in ``checks/`` that enforces them, the wrong
versions in ``wrong/<piece>/`` that break them, and the good versions in
``good/<piece>/`` that use a freedom they give and must pass.

``test_clauses.py`` reads this table: a sentence of pieces.md without its row
here (a new or changed sentence) is a hole it reports, and so is a row whose
check does not exist or a wrong version that no row claims.
``test_checks.py`` judges the versions: every wrong one must fail its row's
check with the message its first line (``# expect: ...``) names, and no
other check, except those the row lists in ``also`` for it: a mistake that
shows in other checks too, such as a function that returns the wrong type,
which every check that looks at the result sees (``"*"``: all checks of the
piece). Every failure must come with a hint written for it.

``python tests/checks/clauses.py`` prints the table as Markdown; CLAUSES.md
is that output, and a test keeps it current.
"""
from dataclasses import dataclass, field

ALL = "*"


@dataclass(frozen=True)
class Clause:
    quote: str  # the words of the sentence this row is about
    check: str  # the check (a test function in checks/) that enforces them
    wrong: dict = field(default_factory=dict)  # {file in wrong/<piece>/: other checks it fails too (also)}
    good: tuple = ()  # files in good/<piece>/ that use a freedom these words give


C = Clause

CONTRACT = {
    "pick_device": [
        ("`pick_device(prefer=None) -> torch.device`", [
            C("pick_device(prefer=None)", "test_pick_device_signature", {"renamed_parameter.py": ()}),
            C("-> torch.device", "test_returns_a_device", {"returns_string.py": ALL}),
        ]),
        ("With `prefer=None`: `cuda` when `torch.cuda.is_available()`, else `mps` when "
         "`torch.backends.mps.is_available()`, else `cpu`.", [
            C("`cuda` when `torch.cuda.is_available()`", "test_picks_cuda_first", {"ignores_cuda.py": ()},
              good=("counting.py",)),
            C("else `mps` when `torch.backends.mps.is_available()`", "test_picks_mps_without_cuda",
              {"tutorial_line.py": ()}),
            C("`torch.backends.mps.is_available()`", "test_mps_only_when_available",
              {"mps_is_built.py": (), "prefer_mps_is_built.py": (), "built_or_available.py": ()},
              good=("built_and_available.py",)),
            C("else `cpu`", "test_returns_a_device", {"no_final_return.py": ()}),
        ]),
        ("With `prefer` a device name (`\"cpu\"`, `\"cuda\"`, `\"cuda:1\"`, `\"mps\"`, any case): that device when "
         "it is available, else `ValueError` whose message names it.", [
            C("that device when it is available", "test_prefer_names_the_device",
              {"ignores_prefer.py": ("test_prefer_ignores_case", "test_prefer_unavailable_raises")},
              good=("table.py", "try_device.py")),
            C("`\"cuda:1\"`", "test_prefer_names_the_device", {"drops_index.py": ()}),
            C("any case", "test_prefer_ignores_case", {"case_sensitive_prefer.py": ()}),
            C("else `ValueError`", "test_prefer_unavailable_raises", {"falls_back.py": (), "index_not_checked.py": ()}),
            C("whose message names it", "test_prefer_unavailable_raises", {"error_without_name.py": ()}),
        ]),
    ],
    "label_from_filename": [
        ("`label_from_filename(path) -> str`", [
            C("label_from_filename(path)", "test_label_from_filename_signature", {"filename_parameter.py": ()}),
            C("-> str", "test_reads_the_label",
              {"returns_index.py": ("test_takes_paths_and_folders", "test_ignores_case", "test_needs_the_number",
                                   "test_reads_the_files_own_name")}),
        ]),
        ("`path` is a `str` or `os.PathLike` in the Kaggle layout (`cat.123.jpg`, `some/dir/Dog.7.JPG`).", [
            C("a `str` or `os.PathLike`", "test_takes_paths_and_folders", {"string_only.py": ()}),
            C("`some/dir/Dog.7.JPG`", "test_takes_paths_and_folders",
              {"whole_path.py": ("test_rejects_other_names", "test_needs_the_number", "test_reads_the_files_own_name")}, good=("regex.py", "rsplit.py")),
        ]),
        ("Returns `\"cat\"` or `\"dog\"`, lower case.", [
            C("Returns `\"cat\"` or `\"dog\"`", "test_reads_the_label",
              {"whole_stem.py": ("test_takes_paths_and_folders", "test_ignores_case", "test_needs_the_number",
                               "test_reads_the_files_own_name")}),
            C("lower case", "test_ignores_case", {"case_sensitive.py": ("test_needs_the_number",),
                                                   "not_lowercased.py": ("test_needs_the_number",)}),
        ]),
        ("Any other name (`123.jpg`, `bird.1.jpg`, `catalog.jpg`) raises `ValueError` naming the file.", [
            C("raises `ValueError`", "test_rejects_other_names",
              {"silent_unknown.py": ("test_needs_the_number", "test_reads_the_files_own_name"),
               "substring.py": ("test_needs_the_number",),
               "keyerror.py": ("test_needs_the_number", "test_reads_the_files_own_name")}, good=("partition.py",)),
            C("naming the file", "test_rejects_other_names", {"error_without_name.py": ("test_needs_the_number",)}),
            C("Any other name", "test_needs_the_number",
              {"no_number_needed.py": (), "stem_label.py": (), "regex_optional_number.py": ()},
              good=("fullmatch_number.py",)),
            C("Any other name", "test_reads_the_files_own_name",
              {"parent_folder_first.py": (), "any_part.py": ()}, good=("fullmatch_number.py",)),
        ]),
    ],
    "split_items": [
        ("`split_items(items, val_fraction=0.25, seed=0) -> (train, val)`", [
            C("split_items(items, val_fraction=0.25, seed=0)", "test_split_items_signature", {"seed_42.py": ()}),
            C("-> (train, val)", "test_returns_two_lists",
              {"returns_val_first.py": ("test_is_stratified", "test_uses_val_fraction", "test_any_val_fraction")}),
        ]),
        ("`items` is a sequence of `(path, label)` pairs.", [
            C("a sequence", "test_takes_any_sequence", {"list_methods.py": ("test_keeps_every_label",)}),
        ]),
        ("Returns two lists of those same pairs: disjoint, together exactly the input, stratified (for each label "
         "with `n` items, val holds `n * val_fraction` of them, rounded either way), shuffled by "
         "`random.Random(seed)` or any other seeded generator, so that the same seed gives the same split and "
         "other seeds give other splits.", [
            C("two lists of those same pairs", "test_returns_two_lists", {"numpy_arrays.py": ()}),
            C("disjoint", "test_keeps_every_item_once",
              {"item_in_both.py": ("test_keeps_every_item_when_sizes_are_not_whole",)}),
            C("together exactly the input", "test_keeps_every_item_once",
              {"files_lost.py": ("test_keeps_every_label", "test_keeps_every_item_when_sizes_are_not_whole")}),
            C("together exactly the input", "test_keeps_every_label",
              {"cats_and_dogs_only.py": (), "labels_from_a_constant.py": ()}),
            C("together exactly the input", "test_keeps_every_item_when_sizes_are_not_whole",
              {"two_roundings.py": (), "train_from_the_end.py": ()}, good=("ceil_and_rest.py",)),
            C("stratified", "test_is_stratified", {"not_stratified.py": ("test_any_val_fraction",), "half_each.py": ("test_keeps_every_label",)}),
            C("val holds `n * val_fraction` of them", "test_uses_val_fraction",
              {"ignores_val_fraction.py": ("test_is_stratified", "test_any_val_fraction")}),
            C("rounded either way", "test_is_stratified", good=("numpy_rng.py", "sample.py", "per_label_seeds.py")),
            C("val holds `n * val_fraction` of them, rounded either way", "test_any_val_fraction",
              {"every_kth.py": (), "every_kth_slice.py": ()}, good=("ceil_and_rest.py",)),
            C("shuffled by `random.Random(seed)` or any other seeded generator", "test_other_seeds_other_splits",
              {"not_shuffled.py": ()}, good=("numpy_rng.py", "torch_generator.py", "per_label_seeds.py")),
            C("the same seed gives the same split", "test_same_seed_same_split",
              {"not_seeded.py": ("test_same_split_in_another_process",)}),
            C("the same seed gives the same split", "test_same_split_in_another_process",
              {"set_of_labels.py": (), "hash_seed.py": ()}),
            C("other seeds give other splits", "test_other_seeds_other_splits", {"seed_ignored.py": ()}),
        ]),
        ("The input is not changed, and neither is the global `random` state (a library function leaves shared "
         "state alone).", [
            C("The input is not changed", "test_leaves_the_input_alone",
              {"shuffles_in_place.py": ("test_takes_any_sequence",), "sorts_in_place.py": ("test_takes_any_sequence",)}),
            C("neither is the global `random` state", "test_leaves_global_random_alone", {"global_random.py": ()},
              good=("restores_global_state.py",)),
            C("(a library function leaves shared state alone)", "test_leaves_global_random_alone",
              {"numpy_global.py": ()}),
        ]),
        ("`val_fraction` outside (0, 1) raises `ValueError`.", [
            C("outside (0, 1) raises `ValueError`", "test_rejects_bad_val_fraction",
              {"no_range_check.py": (), "closed_interval.py": (), "assert_instead.py": ()}),
        ]),
    ],
    "arrange_imagefolder": [
        ("`arrange_imagefolder(train_items, val_items, dest, link=True) -> dict`", [
            C("arrange_imagefolder(train_items, val_items, dest, link=True)", "test_arrange_imagefolder_signature",
              {"link_default_false.py": ()}),
            C("-> dict", "test_makes_class_folders", {"returns_none.py": ()}),
        ]),
        ("Makes `dest/train/<label>/<file name>` and `dest/val/<label>/<file name>`: symbolic links to the sources "
         "when `link` (copies where links are not allowed), copies otherwise.", [
            C("Makes `dest/train/<label>/<file name>` and `dest/val/<label>/<file name>`", "test_makes_class_folders",
              {"wrong_folder_names.py": ("test_links_or_copies", "test_copies_where_links_are_not_allowed",
                                         "test_runs_again", "test_replaces_an_older_split"),
               "flat_layout.py": ("test_links_or_copies", "test_copies_where_links_are_not_allowed",
                                  "test_runs_again", "test_replaces_an_older_split")},
              good=("walk_and_remove.py",)),
            C("symbolic links to the sources when `link`", "test_links_or_copies",
              {"always_copies.py": (), "hard_links.py": ()}, good=("relpath_links.py", "pathlib_links.py")),
            C("symbolic links to the sources when `link`", "test_relative_sources", {"relative_links.py": ()},
              good=("relpath_links.py",)),
            C("(copies where links are not allowed)", "test_copies_where_links_are_not_allowed",
              {"no_fallback.py": ()}),
            C("copies otherwise", "test_links_or_copies", {"links_anyway.py": ()}, good=("relpath_links.py",)),
        ]),
        ("Returns counts, `{\"train\": {\"cat\": n, \"dog\": m}, \"val\": {...}}`.", [
            C("Returns counts", "test_makes_class_folders", {"no_counts.py": ()}),
            C("Returns counts", "test_counts_each_call",
              {"counts_at_module_level.py": (), "counter_attribute.py": ()}, good=("counts_from_the_tree.py",)),
        ]),
        ("Running it again with the same split gives the same tree; with another split, no file of the old split "
         "is left behind.", [
            C("Running it again with the same split gives the same tree", "test_runs_again",
              {"fails_twice.py": ("test_replaces_an_older_split",)}),
            C("with another split, no file of the old split is left behind", "test_replaces_an_older_split",
              {"leaves_old_files.py": ()}, good=("walk_and_remove.py",)),
            C("with another split, no file of the old split is left behind", "test_replaces_a_split_with_other_labels",
              {"clears_used_labels.py": (), "clears_old_files_by_label.py": ()},
              good=("walk_and_remove.py", "counts_from_the_tree.py")),
        ]),
        ("Source files are never changed or removed.", [
            C("Source files are never changed or removed.", "test_leaves_the_sources_alone",
              {"moves_sources.py": ("test_links_or_copies", "test_runs_again", "test_replaces_an_older_split"),
               "removes_dest.py": ()}),
        ]),
    ],
    "build_transforms": [
        ("`build_transforms(train, size=224) -> callable`", [
            C("build_transforms(train, size=224)", "test_build_transforms_signature", {"size_default_256.py": ()}),
            C("-> callable", "test_eval_shape_and_type", {"returns_list.py": ALL}, good=("plain_function.py",)),
        ]),
        ("Takes a PIL image of any mode, returns a float32 tensor `3 x size x size`.", [
            C("Takes a PIL image of any mode", "test_any_image_mode", {"no_rgb.py": ()}),
            C("returns a float32 tensor", "test_eval_shape_and_type", {"v2_without_todtype.py": ALL},
              good=("pil_to_tensor.py", "v2.py")),
            C("`3 x size x size`", "test_eval_shape_and_type",
              {"wrong_size.py": ("test_eval_resizes_and_crops", "test_train_shape_and_type"),
               "short_side_only.py": ("test_eval_resizes_and_crops",)}),
            C("`3 x size x size`", "test_train_shape_and_type", {"train_crop_224.py": ()}),
        ]),
        ("Train: `RandomResizedCrop(size)`, `RandomHorizontalFlip()`, to a tensor in [0, 1], "
         "`Normalize(IMAGENET_MEAN, IMAGENET_STD)`.", [
            C("`RandomResizedCrop(size)`", "test_train_crops_at_random",
              {"no_crop_in_train.py": (), "resize_then_random_crop.py": ()}, good=("plain_function.py",)),
            C("`RandomHorizontalFlip()`", "test_train_flips", {"no_flip_in_train.py": (), "vertical_flip.py": ()}),
            C("to a tensor in [0, 1]", "test_train_normalizes", {"unscaled_float.py": ("test_eval_normalizes",)},
              good=("tensor_first.py", "v2_tensor_first.py")),
            C("`Normalize(IMAGENET_MEAN, IMAGENET_STD)`", "test_train_normalizes",
              {"normalize_eval_only.py": (), "no_normalize.py": ("test_eval_normalizes",),
               "half_mean_std.py": ("test_eval_normalizes",), "mean_std_swapped.py": ("test_eval_normalizes",)}),
        ]),
        ("Eval: `Resize(round(size * 256 / 224))`, `CenterCrop(size)`, to tensor, `Normalize`; deterministic, and "
         "equal to the reference up to resampling differences (a tensor-based resize differs from PIL's by a gray "
         "level or two; a different crop or normalization differs by far more).", [
            C("`Resize(round(size * 256 / 224))`", "test_eval_resizes_and_crops",
              {"resize_to_size.py": (), "resize_256.py": ()}),
            C("`CenterCrop(size)`", "test_eval_resizes_and_crops", {"resize_without_centercrop.py": ()}),
            C("to tensor, `Normalize`", "test_eval_normalizes", {"normalize_train_only.py": ()}),
            C("deterministic", "test_eval_is_deterministic",
              {"random_crop_in_eval.py": ("test_eval_resizes_and_crops",)}),
            C("equal to the reference up to resampling differences", "test_eval_resizes_and_crops",
              {"center_crop_only.py": ()}, good=("tensor_first.py", "v2_tensor_first.py", "v2.py")),
        ]),
    ],
    "make_loaders": [
        ("`make_loaders(data_dir, batch_size=32, num_workers=0, size=224) -> (loaders, class_names)`", [
            C("make_loaders(data_dir, batch_size=32, num_workers=0, size=224)", "test_make_loaders_signature",
              {"tutorial_defaults.py": ()}),
            C("batch_size", "test_uses_batch_size", {"batch_size_ignored.py": ()}),
            C("num_workers", "test_uses_num_workers", {"num_workers_fixed.py": ()}),
            C("size", "test_uses_size", {"size_ignored.py": ("test_val_uses_eval_transforms",)}),
            C("-> (loaders, class_names)", "test_loaders_and_class_names", {"returns_datasets_too.py": ALL},
              good=("tutorial_dicts.py",)),
        ]),
        ("`ImageFolder` datasets on `data_dir/train` (train transforms) and `data_dir/val` (eval transforms).", [
            C("`ImageFolder` datasets on `data_dir/train`", "test_reads_train_and_val_folders",
              {"val_reads_train.py": ("test_val_keeps_order_and_every_image", "test_val_uses_eval_transforms")},
              good=("comprehension.py",)),
            C("(train transforms)", "test_train_uses_train_transforms", {"eval_transforms_on_train.py": ()}),
            C("(eval transforms)", "test_val_uses_eval_transforms", {"train_transforms_on_val.py": ()}),
        ]),
        ("`loaders[\"train\"]` shuffles, `loaders[\"val\"]` does not and drops no image.", [
            C("`loaders[\"train\"]` shuffles", "test_train_shuffles", {"train_not_shuffled.py": ()},
              good=("explicit_samplers.py", "drop_last_train.py")),
            C("`loaders[\"train\"]` shuffles", "test_train_gives_each_image_once",
              {"sampler_with_replacement.py": (), "weighted_sampler.py": (), "random_indices.py": ()},
              good=("explicit_samplers.py", "drop_last_train.py", "sorted_listdir.py")),
            C("`loaders[\"val\"]` does not", "test_val_keeps_order_and_every_image", {"val_shuffled.py": ()}),
            C("drops no image", "test_val_keeps_order_and_every_image", {"val_drops_last.py": ()}),
        ]),
        ("`class_names` is the datasets' class list, `[\"cat\", \"dog\"]` for this course.", [
            C("`class_names` is the datasets' class list", "test_loaders_and_class_names",
              {"class_names_wrong.py": ()}),
            C("the datasets' class list", "test_class_names_are_the_datasets_list",
              {"class_to_idx.py": (),
               # Where the file system lists cat after dog (ext4 may), the first look at class_names sees it too.
               "listdir_names.py": ("test_loaders_and_class_names",),
               "iterdir_names.py": ("test_loaders_and_class_names",)}, good=("sorted_listdir.py",)),
        ]),
    ],
    "build_model": [
        ("`build_model(num_classes=2, weights=\"DEFAULT\", freeze_backbone=False) -> nn.Module`", [
            C("build_model(num_classes=2, weights=\"DEFAULT\", freeze_backbone=False)", "test_build_model_signature",
              {"weights_default_none.py": ()}, good=("weights_enum.py",)),
            C("-> nn.Module", "test_replaces_fc", {"returns_input_size.py": ALL}),
        ]),
        ("torchvision's `resnet18` with `weights` (`None`: random start; `\"DEFAULT\"`: the ImageNet weights), its "
         "`fc` replaced by a new `nn.Linear(512, num_classes)`.", [
            C("torchvision's `resnet18`", "test_is_a_resnet18", {"cifar_stem.py": ()}),
            C("`None`: random start", "test_loads_the_imagenet_weights", {"always_pretrained.py": ()}),
            C("`\"DEFAULT\"`: the ImageNet weights", "test_loads_the_imagenet_weights",
              {"weights_ignored.py": (), "num_classes_in_constructor.py": ()}),
            C("its `fc` replaced", "test_replaces_fc",
              {"fc_not_replaced.py": ("test_number_of_classes", "test_loads_the_imagenet_weights",
                                      "test_freeze_backbone")}),
            C("a new `nn.Linear(512, num_classes)`", "test_replaces_fc",
              {"sets_out_features.py": ("test_loads_the_imagenet_weights",)}),
            C("`nn.Linear(512, num_classes)`", "test_number_of_classes", {"wrong_outputs.py": ()}),
            C("a new `nn.Linear(512, num_classes)`", "test_replaces_fc",
              {"fc_without_bias.py": (), "bias_set_to_none.py": ()}),
        ]),
        ("With `freeze_backbone`, every parameter but those of `fc` has `requires_grad=False`.", [
            C("With `freeze_backbone`, every parameter but those of `fc` has `requires_grad=False`.",
              "test_freeze_backbone", {"freeze_ignored.py": (), "freeze_freezes_fc.py": (), "freeze_only_convs.py": ()},
              good=("freeze_by_name.py", "requires_grad_.py")),
        ]),
    ],
    "run_epoch": [
        ("`run_epoch(model, loader, criterion, device, optimizer=None) -> (loss, accuracy)`", [
            C("run_epoch(model, loader, criterion, device, optimizer=None)", "test_run_epoch_signature",
              {"device_last.py": ALL}),
            C("criterion", "test_eval_loss_and_accuracy", {"own_criterion.py": ()}),
            C("-> (loss, accuracy)", "test_eval_loss_and_accuracy", {"accuracy_first.py": ("test_training_pass",)}),
        ]),
        ("One pass over `loader`, batches moved to `device`.", [
            C("One pass over `loader`", "test_eval_loss_and_accuracy", {"return_in_loop.py": ("test_training_pass",)}),
            C("batches moved to `device`", "test_moves_batches_to_device",
              {"no_to_device.py": (), "to_result_dropped.py": (), "labels_not_moved.py": (), "cpu_accumulators.py": (),
               "cuda_calls.py": ALL},
              good=("eval_method.py", "tensor_sums.py", "as_tensor_device.py")),
        ]),
        ("With an optimizer: `model.train()`, and for each batch zero the gradients, forward, loss, backward, step.", [
            C("`model.train()`", "test_training_pass", {"no_train_mode.py": ()}),
            C("zero the gradients", "test_training_pass", {"no_zero_grad.py": ()},
              good=("two_branches.py", "tensor_sums.py")),
            C("forward, loss, backward, step", "test_training_pass",
              {"step_before_backward.py": (), "zero_grad_before_step.py": ()}),
            C("for each batch zero the gradients, forward, loss, backward, step",
              "test_zeroes_the_gradients_before_backward",
              {"zero_grad_after_step.py": (), "model_zero_grad_at_end.py": ()},
              good=("two_branches.py", "softmax_argmax.py")),
        ]),
        ("Without: `model.eval()` and no gradient tracking, nothing changed.", [
            C("`model.eval()`", "test_eval_changes_nothing", {"no_eval.py": ()}, good=("eval_method.py",)),
            C("no gradient tracking", "test_eval_changes_nothing", {"grad_in_eval.py": ()},
              good=("two_branches.py", "eval_method.py")),
            C("nothing changed", "test_eval_changes_nothing", {"steps_in_eval.py": ("test_eval_loss_and_accuracy",)}),
        ]),
        ("Returns the mean loss per sample and the accuracy over all samples as Python floats (a short last batch "
         "weighs by its size).", [
            C("the mean loss per sample", "test_eval_loss_and_accuracy", {"loss_sum.py": ("test_training_pass",)}),
            C("the accuracy over all samples", "test_eval_loss_and_accuracy",
              {"accuracy_last_batch.py": ("test_training_pass",), "accuracy_percent.py": ("test_training_pass",)}),
            C("the accuracy over all samples", "test_accuracy_takes_the_top_score",
              {"threshold_one_logit.py": ("test_eval_loss_and_accuracy", "test_training_pass"),
               "sigmoid_half.py": ("test_eval_loss_and_accuracy", "test_training_pass"),
               "compares_two_scores.py": ()}, good=("softmax_argmax.py", "as_tensor_device.py")),
            C("the mean loss per sample and the accuracy over all samples", "test_divides_by_the_images_seen",
              {"divides_by_dataset.py": (), "divides_by_sampler.py": (), "tutorial_dataset_size.py": ()},
              good=("as_tensor_device.py",)),
            C("as Python floats", "test_returns_floats", {"returns_tensors.py": ()}, good=("tensor_sums.py",)),
            C("(a short last batch weighs by its size)", "test_eval_loss_and_accuracy",
              {"loss_per_batch.py": ("test_training_pass",), "divides_by_full_batches.py": ("test_training_pass",)}),
        ]),
    ],
    "train_model": [
        ("`train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None) -> (model, "
         "history)`", [
            C("train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None)",
              "test_train_model_signature", {"tutorial_epochs.py": ()}),
            C("-> (model, history)", "test_history_and_learning_rate", {"returns_model_only.py": ALL}),
        ]),
        ("`device=None` means the device of the model's parameters.", [
            C("`device=None` means the device of the model's parameters.", "test_device_none_means_the_models",
              {"global_device.py": (), "moves_model.py": ()}, good=("tutorial_tempfile.py",)),
        ]),
        ("Each epoch: a training pass on `loaders[\"train\"]`, then `scheduler.step()` once (when a scheduler is "
         "given), then an evaluation pass on `loaders[\"val\"]`.", [
            C("a training pass on `loaders[\"train\"]`", "test_trains_then_evaluates_each_epoch",
              {"no_optimizer_in_training.py": ("test_keeps_the_best_weights",)},
              good=("tutorial_tempfile.py", "tutorial_deepcopy.py")),
            C("Each epoch: a training pass", "test_trains_then_evaluates_each_epoch",
              {"train_mode_once.py": (), "train_mode_before_loop.py": ()}, good=("own_passes_cpu_clone.py",)),
            C("then `scheduler.step()` once", "test_history_and_learning_rate",
              {"scheduler_never.py": (), "scheduler_per_batch.py": (), "scheduler_first.py": ()},
              good=("tutorial_tempfile.py", "tutorial_deepcopy.py")),
            C("(when a scheduler is given)", "test_without_a_scheduler", {"scheduler_required.py": ()}),
            C("then `scheduler.step()` once (when a scheduler is given), then an evaluation pass",
              "test_scheduler_steps_before_the_evaluation",
              {"scheduler_after_eval.py": (), "phase_loop_step_after_val.py": ()},
              good=("tutorial_deepcopy.py", "own_passes_cpu_clone.py")),
            C("then an evaluation pass on `loaders[\"val\"]`", "test_trains_then_evaluates_each_epoch",
              {"evaluates_on_train.py": (), "evaluates_first.py": ("test_keeps_the_best_weights",)}),
        ]),
        ("Keeps a copy (not a reference) of the weights of the epoch with the best val accuracy, and loads them "
         "into the model before returning.", [
            C("a copy (not a reference)", "test_keeps_the_best_weights", {"best_by_reference.py": ()},
              good=("clone_dict.py", "deepcopy_model.py", "tutorial_tempfile.py", "cpu_copies.py",
                    "own_passes_cpu_clone.py")),
            C("the epoch with the best val accuracy", "test_keeps_the_best_weights",
              {"best_by_val_loss.py": (), "best_by_train_acc.py": ()}, good=("ties_last.py",)),
            C("loads them into the model before returning", "test_keeps_the_best_weights",
              {"best_not_restored.py": (), "returns_best_copy.py": ()}),
        ]),
        ("`history` holds lists of one value per epoch: `train_loss`, `train_acc`, `val_loss`, `val_acc`, `lr` (the "
         "learning rate used in that epoch's training pass).", [
            C("lists of one value per epoch", "test_history_and_learning_rate", {"history_lengths_wrong.py": ()},
              good=("enumerate_floats.py",)),
            C("`train_loss`, `train_acc`, `val_loss`, `val_acc`, `lr`", "test_history_and_learning_rate",
              {"history_keys_wrong.py": ()}),
            C("`lr`", "test_without_a_scheduler",
              {"lr_only_with_scheduler.py": (), "lr_none_without_scheduler.py": ()}, good=("own_passes_cpu_clone.py",)),
            C("(the learning rate used in that epoch's training pass)", "test_history_and_learning_rate",
              {"lr_after_step.py": ()}, good=("clone_dict.py", "ties_last.py")),
        ]),
    ],
    "predict_image": [
        ("`predict_image(model, image, class_names, size=224, device=None) -> dict[str, float]`", [
            C("predict_image(model, image, class_names, size=224, device=None)", "test_predict_image_signature",
              {"image_path_parameter.py": ()}),
            C("size=224", "test_probabilities", {"size_ignored.py": ALL}),
            C("-> dict[str, float]", "test_returns_a_dict", {"tensor_values.py": (), "list_of_probabilities.py": ()},
              good=("own_pipeline.py",)),
        ]),
        ("`image` is a PIL image, a path, or the bytes of an image file.", [
            C("`image` is a PIL image, a path, or the bytes of an image file.", "test_paths_and_bytes",
              {"no_bytes.py": (), "str_only.py": ()}, good=("pathlib.py",)),
        ]),
        ("Applies the EXIF orientation, converts to RGB, applies the eval transforms, runs the model in eval mode "
         "without gradients on `device` (`None`: the device of the model's parameters; the image goes where the "
         "model is, and a model given on a GPU stays usable on it afterwards), and returns "
         "`{class_name: probability}` (softmax, summing to 1).", [
            C("Applies the EXIF orientation", "test_exif_orientation", {"exif_ignored.py": ()},
              good=("exif_after_convert.py",)),
            C("converts to RGB", "test_any_image_mode", {"rgba_not_converted.py": ()}),
            C("applies the eval transforms", "test_probabilities",
              {"train_transforms.py": (), "uint8_pipeline.py": ALL}, good=("own_pipeline.py",)),
            C("runs the model in eval mode", "test_eval_mode_without_gradients", {"no_eval.py": ()}),
            C("without gradients", "test_eval_mode_without_gradients", {"with_gradients.py": ()},
              good=("functional.py", "exif_after_convert.py")),
            C("on `device` (`None`: the device of the model's parameters; the image goes where the model is",
              "test_runs_where_the_model_is",
              {"image_not_moved.py": (), "global_device.py": (), "numpy_on_gpu.py": ()},
              good=("exif_after_convert.py", "pathlib.py")),
            C("a model given on a GPU stays usable on it afterwards", "test_runs_where_the_model_is",
              {"moves_model_to_cpu.py": ()}),
            C("returns `{class_name: probability}`", "test_returns_a_dict", {"not_keyed_by_name.py": ()}),
            C("(softmax, summing to 1)", "test_probabilities",
              {"no_softmax.py": (), "sigmoid.py": (), "softmax_dim0.py": ()}),
        ]),
    ],
}


def rows():
    """``(piece, sentence, clause)`` for every clause, in the contract's order."""
    return [(piece, sentence, clause) for piece, sentences in CONTRACT.items()
            for sentence, clauses in sentences for clause in clauses]


def clause_of(piece, wrong_file):
    """The clause a wrong version breaks (``wrong_file`` is its file name), or None."""
    for name, _, clause in rows():
        if name == piece and wrong_file in clause.wrong:
            return clause
    return None


def verdict_problems(piece, path, expected, verdict, ladder):
    """What is wrong with how the checks judged the wrong version ``path`` of ``piece`` (its verdict in the
    plugin's JSON; ``expected``, part of the message meant for it; ``ladder``, the piece's %hint hints):
    [] when it fails its row's check with that message, fails no other check but those the row's ``also``
    allows, and every failure is one sentence with a hint of its own (not one of the %hint ladder, which
    a check falls back to when it has none)."""
    clause = clause_of(piece, path.name)
    if clause is None:
        return [f"no row of clauses.py claims {path.name}"]
    failures = {f["check"]: f for f in verdict["failures"]}
    problems = []
    if clause.check not in failures:
        problems.append(f"{path.name} does not fail {clause.check} (it fails {sorted(failures) or 'nothing'})")
    elif expected not in (failures[clause.check]["message"] or ""):
        problems.append(f"{clause.check} fails {path.name} with {failures[clause.check]['message']!r}, "
                        f"not with the message meant for it ({expected!r})")
    also = clause.wrong[path.name]
    if also != ALL:
        others = sorted(set(failures) - {clause.check} - set(also))
        if others:
            problems.append(f"{path.name} also fails {others}, which its row does not allow: "
                            + "; ".join(f"{name}: {failures[name]['message']}" for name in others))
    for name, failure in failures.items():
        message, hint = failure["message"] or "", failure["hint"]
        if not hint:
            problems.append(f"{name} fails {path.name} without a hint: {message!r}")
        elif hint in ladder:
            problems.append(f"{name} fails {path.name} with the piece's own %hint text, not a hint for this "
                            f"failure: {hint!r}")
        if "\n" in message or (hint and "\n" in hint):
            problems.append(f"{name}'s message or hint for {path.name} is more than one line")
    return problems


def markdown():
    """The table as Markdown, one section per piece."""
    lines = ["# The pieces' contract, clause by clause", "",
             "Generated from `tests/checks/clauses.py` (`python tests/checks/clauses.py > tests/checks/CLAUSES.md`):",
             "each sentence of `shared/design/pieces.md`, the check in `checks/` that enforces each of its clauses,",
             "the wrong versions in `wrong/<piece>/` that break it (and the other checks they fail too, if any),",
             "and the good versions in `good/<piece>/` that use a freedom it gives.", ""]
    for piece, sentences in CONTRACT.items():
        lines += [f"## {piece}", ""]
        for sentence, clauses in sentences:
            lines += [f"> {sentence}", "", "| clause | check | wrong versions | good versions |", "|---|---|---|---|"]
            for clause in clauses:
                wrong = ", ".join(f"`{name}`" + ("" if not also else " (also fails all checks)" if also == ALL
                                                  else f" (also fails {', '.join(also)})")
                                  for name, also in clause.wrong.items())
                good = ", ".join(f"`{name}`" for name in clause.good)
                quote = clause.quote.replace("|", "\\|")
                lines.append(f"| {quote} | `{clause.check}` | {wrong} | {good} |")
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
