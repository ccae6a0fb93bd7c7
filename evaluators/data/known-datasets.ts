/**
 * The datasets sparsenas can find or download by name. Download URLs are the publishers'
 * (MNIST: Google's CVDF mirror, as the original host now refuses scripted downloads); the
 * sha256 and sizes are those recorded by TensorFlow Datasets for the same URLs.
 */
export type KnownFormat = 'idx' | 'cifar10' | 'cifar100';

export interface RemoteFile {
  url: string;
  sha256: string;
  bytes: number;
}

export interface KnownDataset {
  name: string;
  description: string;
  format: KnownFormat;
  shape: number[];
  classes: number;
  classNames: string[];
  downloads: RemoteFile[];
}

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const idxFiles = (base: string, sums: [string, number][]): RemoteFile[] =>
  ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f, i) => ({
    url: base + f,
    sha256: sums[i]![0],
    bytes: sums[i]![1],
  }));

export const KNOWN_DATASETS: readonly KnownDataset[] = [
  {
    name: 'fashion-mnist',
    description: 'Fashion-MNIST (Zalando Research): 60,000 + 10,000 28×28 grey images of clothing, 10 classes',
    format: 'idx',
    shape: [28, 28, 1],
    classes: 10,
    classNames: FASHION_MNIST_CLASSES,
    downloads: idxFiles('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/', [
      ['3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84', 26421880],
      ['a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845', 29515],
      ['346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073', 4422102],
      ['67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5', 5148],
    ]),
  },
  {
    name: 'mnist',
    description: 'MNIST (LeCun, Cortes & Burges): 60,000 + 10,000 28×28 grey handwritten digits, 10 classes',
    format: 'idx',
    shape: [28, 28, 1],
    classes: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    downloads: idxFiles('https://storage.googleapis.com/cvdf-datasets/mnist/', [
      ['440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609', 9912422],
      ['3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c', 28881],
      ['8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6', 1648877],
      ['f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6', 4542],
    ]),
  },
  {
    name: 'kmnist',
    description: 'Kuzushiji-MNIST (ROIS-DS CODH): 60,000 + 10,000 28×28 grey cursive Japanese characters, 10 classes',
    format: 'idx',
    shape: [28, 28, 1],
    classes: 10,
    classNames: ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo'],
    downloads: idxFiles('http://codh.rois.ac.jp/kmnist/dataset/kmnist/', [
      ['51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4', 18165135],
      ['e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17', 29497],
      ['edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5', 3041136],
      ['20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c', 5120],
    ]),
  },
  {
    name: 'cifar10',
    description: 'CIFAR-10 (Krizhevsky 2009): 50,000 + 10,000 32×32 colour images, 10 classes',
    format: 'cifar10',
    shape: [32, 32, 3],
    classes: 10,
    classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    downloads: [
      {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
        bytes: 170052171,
      },
    ],
  },
  {
    name: 'cifar100',
    description: 'CIFAR-100 (Krizhevsky 2009): 50,000 + 10,000 32×32 colour images, 100 fine classes',
    format: 'cifar100',
    shape: [32, 32, 3],
    classes: 100,
    classNames: [
      'apple', 'aquarium_fish', 'baby', 'bear', 'beaver', 'bed', 'bee', 'beetle', 'bicycle', 'bottle',
      'bowl', 'boy', 'bridge', 'bus', 'butterfly', 'camel', 'can', 'castle', 'caterpillar', 'cattle',
      'chair', 'chimpanzee', 'clock', 'cloud', 'cockroach', 'couch', 'crab', 'crocodile', 'cup', 'dinosaur',
      'dolphin', 'elephant', 'flatfish', 'forest', 'fox', 'girl', 'hamster', 'house', 'kangaroo', 'keyboard',
      'lamp', 'lawn_mower', 'leopard', 'lion', 'lizard', 'lobster', 'man', 'maple_tree', 'motorcycle', 'mountain',
      'mouse', 'mushroom', 'oak_tree', 'orange', 'orchid', 'otter', 'palm_tree', 'pear', 'pickup_truck', 'pine_tree',
      'plain', 'plate', 'poppy', 'porcupine', 'possum', 'rabbit', 'raccoon', 'ray', 'road', 'rocket',
      'rose', 'sea', 'seal', 'shark', 'shrew', 'skunk', 'skyscraper', 'snail', 'snake', 'spider',
      'squirrel', 'streetcar', 'sunflower', 'sweet_pepper', 'table', 'tank', 'telephone', 'television', 'tiger', 'tractor',
      'train', 'trout', 'tulip', 'turtle', 'wardrobe', 'whale', 'willow_tree', 'wolf', 'woman', 'worm',
    ],
    downloads: [
      {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
        sha256: '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec',
        bytes: 168513733,
      },
    ],
  },
];

export function knownDataset(name: string): KnownDataset | undefined {
  return KNOWN_DATASETS.find((d) => d.name === name);
}
