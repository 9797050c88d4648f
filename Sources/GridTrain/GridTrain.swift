// GridTrain: see the files beside this one.
